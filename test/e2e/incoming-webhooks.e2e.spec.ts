import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createProgram, PARTNERO_SEED_MAPPING, PARTNERO_SEED_ORDER, startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { email, expectNoNewEvents, expectProblem, expectStatus, ProgramClient, type Res, uniq, withEventDelta } from '@partner-ledger/testing';

// Partnero's complete-flow order and its mapping (the README's walk-through runs the same flow).
const SEED_ORDER = PARTNERO_SEED_ORDER;
const SEED_MAPPING = PARTNERO_SEED_MAPPING;
// Partnero's first example ("Send test data"): a flat payload.
const SEED_FIRST = { user_email: 'john@example.com', user_name: 'John Doe', order_id: '12345', total: 99.99 };

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine.stop();
});

async function program() {
  const { id, key, body } = await createProgram(engine);
  return new ProgramClient(engine, id, key, body);
}

/** POST to a test or production URL: public, no key, raw body allowed. */
async function send(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const path = new URL(url).pathname;
  return engine.call('POST', path, typeof body === 'string' ? body : JSON.stringify(body), null, { 'content-type': 'application/json', ...headers });
}

async function createWebhook(p: ProgramClient, name = 'Shop orders') {
  const res = await p.post('/incoming-webhooks', { name });
  expectStatus(res, 201);
  return res.body as { id: string; testUrl: string; productionUrl: string; action: string | null; mapping: unknown };
}

async function mapped(p: ProgramClient, sample: unknown, action: string, fields: Record<string, string>) {
  const hook = await createWebhook(p);
  expectStatus(await send(hook.testUrl, sample), 200);
  const saved = await engine.call('PUT', p.path(`/incoming-webhooks/${hook.id}/mapping`), { action, fields }, p.key);
  expectStatus(saved, 200);
  return hook;
}

describe('incoming webhooks: Partnero’s complete flow', () => {
  it('test URL lists the paths and creates nothing; the saved mapping turns the production payload into Jane Smith, her partner link and ORD-789 with its commission; a re-send creates nothing', async () => {
    const p = await program();
    const partner = await p.partner({ key: 'PARTNER123', name: 'Partner 123' });

    const hook = await createWebhook(p);
    expect(hook).toMatchObject({ id: expect.stringMatching(/^iwh_/), action: null, mapping: null });
    expect(hook.testUrl).toMatch(new RegExp(`^${engine.url}/v1/incoming/iwt_`));
    expect(hook.productionUrl).toMatch(new RegExp(`^${engine.url}/v1/incoming/iwp_`));
    expect(hook.testUrl).not.toBe(hook.productionUrl);

    // 1. The sample: paths listed, nothing created.
    const sampled = await expectNoNewEvents(engine, () => send(hook.testUrl, SEED_ORDER));
    expectStatus(sampled, 200);
    expect(sampled.body).toMatchObject({ received: true, created: false });
    const listed = Object.fromEntries(sampled.body.paths.map((x: { path: string; type: string; example: unknown }) => [x.path, [x.type, x.example]]));
    expect(listed).toEqual({
      event: ['string', 'order_completed'],
      'customer.email': ['string', 'jane@example.com'],
      'customer.name': ['string', 'Jane Smith'],
      'order.id': ['string', 'ORD-789'],
      'order.amount': ['number', 149.99],
      'order.product': ['string', 'pro_plan'],
      referral_code: ['string', 'PARTNER123'],
    });
    const shown = await p.engine.call('GET', p.path(`/incoming-webhooks/${hook.id}`), undefined, p.key);
    expectStatus(shown, 200);
    expect(shown.body.sample).toEqual(SEED_ORDER);
    expect(shown.body.paths.map((x: { path: string }) => x.path)).toEqual(Object.keys(listed));

    // 2. The example's mapping.
    const saved = await engine.call('PUT', p.path(`/incoming-webhooks/${hook.id}/mapping`), { action: 'create_transaction', fields: SEED_MAPPING }, p.key);
    expectStatus(saved, 200);
    expect(saved.body).toMatchObject({ action: 'create_transaction', mapping: SEED_MAPPING, warnings: [] });

    // Once mapped, the test URL is a dry run: the events it would write, none written.
    const dry = await expectNoNewEvents(engine, () => send(hook.testUrl, SEED_ORDER));
    expect(dry.body.dryRun).toMatchObject({ wouldSucceed: true, status: 201 });
    const types = dry.body.dryRun.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['CustomerCreated', 'TransactionRecorded']));
    expect(dry.body.dryRun.result.transaction).toMatchObject({ key: 'ORD-789', amount: '149.99' });

    // 3. Production: finds or creates the customer, links the partner, records the sale, computes the commission.
    const live = await withEventDelta(engine, () => send(hook.productionUrl, SEED_ORDER));
    expectStatus(live, 201);
    expect(live.appended).toBeGreaterThan(0);
    expect(live.body).toMatchObject({
      action: 'create_transaction',
      outcome: 'created',
      customer: { created: true },
      transaction: {
        key: 'ORD-789',
        amount: '149.99',
        currency: 'USD',
        created: true,
        conversion: { status: 'PENDING', partnerId: partner.id, commissions: [{ partnerId: partner.id, level: 1, amount: '15.00' }] },
      },
      position: expect.stringMatching(/^\d+$/),
    });
    const customer = await engine.call('GET', p.path(`/customers/${live.body.customer.id}?minPosition=${live.body.position}`), undefined, p.key);
    expectStatus(customer, 200);
    expect(customer.body).toMatchObject({ email: 'jane@example.com', name: 'Jane Smith', partnerId: partner.id });
    const conversions = await engine.call('GET', p.path(`/conversions?transactionKey=ORD-789&minPosition=${live.body.position}`), undefined, p.key);
    expect(conversions.body.items).toEqual([
      expect.objectContaining({ transactionKey: 'ORD-789', partnerId: partner.id, amount: '149.99', commissions: [expect.objectContaining({ amount: '15.00' })] }),
    ]);

    // Every event it wrote says where it came from.
    const events = await engine.call('GET', p.path(`/events?fromPosition=${BigInt(live.body.position) - BigInt(live.appended) + 1n}`), undefined, p.key);
    const lines = String(events.body)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.metadata).toMatchObject({ source: 'incoming-webhook', causationId: live.body.requestId });

    // 4. Sent again (also with the amount as a string): nothing new, the same ids.
    for (const again of [SEED_ORDER, { ...SEED_ORDER, order: { ...SEED_ORDER.order, amount: '149.99' } }]) {
      const resent = await expectNoNewEvents(engine, () => send(hook.productionUrl, again));
      expectStatus(resent, 200);
      expect(resent.body).toMatchObject({ outcome: 'existing', customer: { id: live.body.customer.id, created: false }, transaction: { key: 'ORD-789', created: false }, position: null });
    }

    // The request log tells the story, newest first.
    const log = await engine.call('GET', p.path(`/incoming-webhooks/${hook.id}/requests`), undefined, p.key);
    expect(log.body.items.map((r: { url: string; outcome: string; status: number }) => `${r.url}:${r.outcome}:${r.status}`)).toEqual([
      'production:existing:200',
      'production:existing:200',
      'production:created:201',
      'test:dry_run:200',
      'test:sampled:200',
    ]);
    expect(log.body.items[2].result).toMatchObject({ customer: { id: live.body.customer.id }, transaction: { key: 'ORD-789' } });
  });
});

describe('incoming webhooks: concurrent re-sends', () => {
  it('ten copies of one order sent at once record one customer and one transaction; the rest answer the same ids', async () => {
    const p = await program();
    await p.partner({ key: 'PARTNER123' });
    const hook = await mapped(p, SEED_ORDER, 'create_transaction', SEED_MAPPING);
    const answers = await Promise.all(Array.from({ length: 10 }, () => send(hook.productionUrl, SEED_ORDER)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201].sort());
    expect(new Set(answers.map((a) => a.body.customer.id)).size).toBe(1);
    const created = answers.find((a) => a.status === 201)!;
    const conversions = await engine.call('GET', p.path(`/conversions?minPosition=${created.body.position}`), undefined, p.key);
    expect(conversions.body.items).toHaveLength(1);
  });

  it('ten copies of one partner sign-up sent at once create one partner', async () => {
    const p = await program();
    const hook = await mapped(p, SEED_FIRST, 'create_partner', { email: 'user_email', name: 'user_name' });
    const answers = await Promise.all(Array.from({ length: 10 }, () => send(hook.productionUrl, SEED_FIRST)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.every((a) => a.status === 201 || a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.body.partner.id)).size).toBe(1);
  });
});

describe('incoming webhooks: Partnero’s first example mapped to each action', () => {
  it('create_partner: John Doe becomes a partner; a re-send answers the same partner', async () => {
    const p = await program();
    const hook = await mapped(p, SEED_FIRST, 'create_partner', { email: 'user_email', name: 'user_name', partnerId: 'order_id' });
    const first = await send(hook.productionUrl, SEED_FIRST);
    expectStatus(first, 201);
    expect(first.body).toMatchObject({ action: 'create_partner', outcome: 'created', partner: { id: '12345', email: 'john@example.com', name: 'John Doe', status: 'ACTIVE' } });
    const again = await expectNoNewEvents(engine, () => send(hook.productionUrl, SEED_FIRST));
    expectStatus(again, 200);
    expect(again.body).toMatchObject({ outcome: 'existing', partner: { id: '12345', key: first.body.partner.key } });
  });

  it('create_customer: John Doe becomes a customer with key 12345; a re-send answers the same customer', async () => {
    const p = await program();
    const hook = await mapped(p, SEED_FIRST, 'create_customer', { email: 'user_email', name: 'user_name', customerKey: 'order_id' });
    const first = await send(hook.productionUrl, SEED_FIRST);
    expectStatus(first, 201);
    expect(first.body).toMatchObject({ outcome: 'created', customer: { key: '12345', email: 'john@example.com', name: 'John Doe', partnerId: null } });
    const again = await expectNoNewEvents(engine, () => send(hook.productionUrl, SEED_FIRST));
    expect(again.body).toMatchObject({ outcome: 'existing', customer: { id: first.body.customer.id } });
  });

  it('create_transaction: total 99.99 under key 12345 for a customer found or created by email; numbers become keys ("12345")', async () => {
    const p = await program();
    const hook = await mapped(p, SEED_FIRST, 'create_transaction', { customerEmail: 'user_email', customerName: 'user_name', transactionKey: 'order_id', amount: 'total' });
    const first = await send(hook.productionUrl, { ...SEED_FIRST, order_id: 12345 });
    expectStatus(first, 201);
    expect(first.body).toMatchObject({ customer: { created: true }, transaction: { key: '12345', amount: '99.99', conversion: null } });
    const second = await send(hook.productionUrl, { ...SEED_FIRST, order_id: '12346', total: '10.50' });
    expectStatus(second, 201);
    expect(second.body).toMatchObject({ customer: { id: first.body.customer.id, created: false }, transaction: { key: '12346', amount: '10.50' } });
  });
});

describe('incoming webhooks: refusals write nothing', () => {
  let p: ProgramClient;
  let hook: Awaited<ReturnType<typeof createWebhook>>;
  beforeAll(async () => {
    p = await program();
    await p.partner({ key: 'PARTNER123' });
    hook = await mapped(p, SEED_ORDER, 'create_transaction', SEED_MAPPING);
  });

  it('wrong token → 404, whether the secret, the id or the kind is wrong', async () => {
    const token = new URL(hook.productionUrl).pathname.split('/').pop()!;
    const wrongSecret = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const wrongId = token.replace(/^iwp_[0-9a-f]{16}/, 'iwp_0000000000000000');
    const wrongKind = token.replace(/^iwp_/, 'iwt_');
    for (const bad of [wrongSecret, wrongId, wrongKind, 'nonsense', 'iwp_']) {
      const res = await expectNoNewEvents(engine, () => send(`${engine.url}/v1/incoming/${bad}`, SEED_ORDER));
      expectProblem(res, 404, 'incoming_webhook_not_found');
    }
  });

  it('malformed JSON → 400, a body that is not an object → 400', async () => {
    expectProblem(await expectNoNewEvents(engine, () => send(hook.productionUrl, '{"customer": {')), 400, 'malformed_json');
    expectProblem(await expectNoNewEvents(engine, () => send(hook.productionUrl, '[1, 2]')), 400, 'body_not_object');
    expectProblem(await expectNoNewEvents(engine, () => send(hook.testUrl, '"text"')), 400, 'body_not_object');
  });

  it('JSON nested past 64 levels or with over 10,000 keys → 400 at both URLs, never a 500 (the test URL stores no such sample)', async () => {
    const arrays = `{"order":${'['.repeat(1300)}${']'.repeat(1300)}}`;
    const objects = `{"order":${'{"a":'.repeat(2400)}1${'}'.repeat(2400)}}`;
    const keys = `{${Array.from({ length: 10_001 }, (_, k) => `"k${k}":0`).join(',')}}`;
    for (const url of [hook.testUrl, hook.productionUrl]) {
      expectProblem(await expectNoNewEvents(engine, () => send(url, arrays)), 400, 'json_too_deep');
      expectProblem(await expectNoNewEvents(engine, () => send(url, objects)), 400, 'json_too_deep');
      expectProblem(await expectNoNewEvents(engine, () => send(url, keys)), 400, 'json_too_many_keys');
    }
  });

  it('an amount written 1e3, 149.99000000000001 or " 149.99" is judged as written: 422 invalid_amount at its path, and the test URL dry run says the same', async () => {
    for (const amount of ['1e3', '149.99000000000001', '1.500', '" 149.99"', '"149.99 "']) {
      const raw = JSON.stringify({ ...SEED_ORDER, order: { ...SEED_ORDER.order, id: uniq('o'), amount: '$AMOUNT' } }).replace('"$AMOUNT"', amount);
      const res = await expectNoNewEvents(engine, () => send(hook.productionUrl, raw));
      expectProblem(res, 422, 'invalid_amount', 'amount');
      expect(res.body.errors[0].path).toBe('order.amount');
      const dry = await expectNoNewEvents(engine, () => send(hook.testUrl, raw));
      expectStatus(dry, 200);
      expect({ amount, wouldSucceed: dry.body.dryRun.wouldSucceed, code: dry.body.dryRun.error?.code }).toEqual({ amount, wouldSucceed: false, code: 'invalid_amount' });
      expect(dry.body.paths).toContainEqual(expect.objectContaining({ path: 'order.amount', type: amount.startsWith('"') ? 'string' : 'number' }));
    }
  });

  it('missing required value → 422 naming the field and its path', async () => {
    const { order: _order, ...noOrder } = SEED_ORDER;
    const res = await expectNoNewEvents(engine, () => send(hook.productionUrl, { ...noOrder, order: { id: 'ORD-1', amount: null } }));
    expectProblem(res, 422, 'missing_required_value', 'amount');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'amount', path: 'order.amount' })]);
    const noCustomer = await expectNoNewEvents(engine, () => send(hook.productionUrl, { ...SEED_ORDER, customer: {} }));
    expectProblem(noCustomer, 422, 'missing_required_value', 'customerKey|customerEmail');
  });

  it('a refused value → 422 naming field and path, and no customer is left behind', async () => {
    const badAmount = await expectNoNewEvents(engine, () =>
      send(hook.productionUrl, { ...SEED_ORDER, customer: { email: email('new'), name: 'New' }, order: { ...SEED_ORDER.order, id: uniq('o'), amount: 'abc' } }),
    );
    expectProblem(badAmount, 422, 'invalid_amount', 'amount');
    expect(badAmount.body.errors[0].path).toBe('order.amount');
    const unknownPartner = await expectNoNewEvents(engine, () =>
      send(hook.productionUrl, { ...SEED_ORDER, customer: { email: email('new'), name: 'New' }, order: { ...SEED_ORDER.order, id: uniq('o') }, referral_code: 'NOBODY' }),
    );
    expectProblem(unknownPartner, 422, 'partner_not_found', 'partnerKey');
    expect(unknownPartner.body.errors[0].path).toBe('referral_code');
    const wrongType = await expectNoNewEvents(engine, () => send(hook.productionUrl, { ...SEED_ORDER, order: { ...SEED_ORDER.order, id: { nested: true } } }));
    expectProblem(wrongType, 422, 'wrong_type', 'transactionKey');
  });

  it('oversized body → 413', async () => {
    const huge = { ...SEED_ORDER, padding: 'x'.repeat(1024 * 1024 + 10) };
    expectProblem(await expectNoNewEvents(engine, () => send(hook.productionUrl, huge)), 413, 'payload_too_large');
  });

  it('production before any mapping → 422 mapping_not_configured', async () => {
    const fresh = await createWebhook(p);
    expectProblem(await expectNoNewEvents(engine, () => send(fresh.productionUrl, SEED_ORDER)), 422, 'mapping_not_configured');
  });

  it('refusals that reached the webhook are in its request log with the error', async () => {
    const log = await engine.call('GET', p.path(`/incoming-webhooks/${hook.id}/requests?limit=3`), undefined, p.key);
    expect(log.body.items.every((r: { outcome: string; error: { code: string } }) => r.outcome === 'refused' && typeof r.error.code === 'string')).toBe(true);
    expect(log.body.nextCursor).toEqual(expect.any(String));
    const next = await engine.call('GET', p.path(`/incoming-webhooks/${hook.id}/requests?limit=3&cursor=${log.body.nextCursor}`), undefined, p.key);
    expect(next.body.items[0].id).not.toBe(log.body.items[2].id);
  });
});

describe('incoming webhooks: mappings', () => {
  it('refuses unknown targets, unbound required targets, paths absent from the samples and paths to objects, naming each', async () => {
    const p = await program();
    const hook = await createWebhook(p);
    const put = (body: unknown) => engine.call('PUT', p.path(`/incoming-webhooks/${hook.id}/mapping`), body, p.key);
    expectProblem(await put({ action: 'create_partner', fields: { email: 'a', name: 'b' } }), 422, 'no_sample');
    await send(hook.testUrl, { ...SEED_ORDER, items: [{ sku: 'A-1', qty: 2 }] });
    const res = await put({ action: 'create_transaction', fields: { amount: 'order.total', colour: 'order.id', productId: 'order', customerKey: 'customer..email' } });
    expectProblem(res, 422, 'invalid_mapping');
    const byField = Object.fromEntries(res.body.errors.map((e: { field: string; code: string }) => [e.field, e.code]));
    expect(byField).toEqual({
      'fields.amount': 'path_not_in_sample',
      'fields.colour': 'unknown_target_field',
      'fields.productId': 'path_not_a_value',
      'fields.customerKey': 'invalid_path',
    });
    expectProblem(await put({ action: 'create_customer', fields: { email: 'customer.email' } }), 422, 'invalid_mapping', 'fields.name');
    expectProblem(await put({ action: 'make_coffee', fields: {} }), 400, 'validation_failed', 'action');
    expectProblem(await put({ action: 'create_transaction', fields: { amount: 'order.amount' } }), 422, 'invalid_mapping', 'fields.customerKey|customerEmail');
  });

  it('array elements are listed as items[0].sku and bind in either spelling; a path seen in an older sample still binds', async () => {
    const p = await program();
    const hook = await createWebhook(p);
    const sampled = await send(hook.testUrl, { order: { id: 'A', total: '5.00', items: [{ sku: 'SKU-1' }, { sku: 'SKU-2' }] }, buyer: { 'e.mail': 'x@example.com' } });
    expect(sampled.body.paths.map((x: { path: string }) => x.path)).toEqual(['order.id', 'order.total', 'order.items[0].sku', 'order.items[1].sku', 'buyer["e.mail"]']);
    await send(hook.testUrl, { other: true });
    const saved = await engine.call(
      'PUT',
      p.path(`/incoming-webhooks/${hook.id}/mapping`),
      {
        action: 'create_transaction',
        fields: { amount: 'order.total', transactionKey: 'order.id', productId: 'order.items.0.sku', customerEmail: 'buyer["e.mail"]' },
      },
      p.key,
    );
    expectStatus(saved, 200);
    const live = await send(hook.productionUrl, { order: { id: 'A', total: '5.00', items: [{ sku: 'SKU-9' }] }, buyer: { 'e.mail': 'x@example.com' } });
    expectStatus(live, 201);
    expect(live.body.transaction).toMatchObject({ key: 'A', amount: '5.00' });
    const shown = await engine.call('GET', p.path(`/incoming-webhooks/${hook.id}`), undefined, p.key);
    expect(shown.body.samples).toHaveLength(2);
    expect(shown.body.paths.map((x: { path: string }) => x.path)).toContain('order.items[0].sku');
    expect(shown.body.paths.map((x: { path: string }) => x.path)).toContain('other');
  });

  it('warns when a transaction mapping has no transactionKey (re-sends would count twice)', async () => {
    const p = await program();
    const hook = await createWebhook(p);
    await send(hook.testUrl, SEED_FIRST);
    const saved = await engine.call(
      'PUT',
      p.path(`/incoming-webhooks/${hook.id}/mapping`),
      { action: 'create_transaction', fields: { customerEmail: 'user_email', amount: 'total' } },
      p.key,
    );
    expect(saved.body.warnings).toEqual([expect.stringContaining('transactionKey')]);
  });

  it('a dry run answers the refusal the production URL would give', async () => {
    const p = await program();
    const hook = await mapped(p, SEED_ORDER, 'create_transaction', SEED_MAPPING);
    const dry = await expectNoNewEvents(engine, () => send(hook.testUrl, SEED_ORDER));
    expect(dry.body.dryRun).toMatchObject({ wouldSucceed: false, status: 422, error: { code: 'partner_not_found', errors: [{ field: 'partnerKey', path: 'referral_code' }] }, events: [] });
  });
});

describe('incoming webhooks: management', () => {
  it('lists with pagination, renames, rotates tokens (old URL → 404 at once) and deletes', async () => {
    const p = await program();
    const hooks = [await createWebhook(p, 'one'), await createWebhook(p, 'two'), await createWebhook(p, 'three')];
    const page1 = await engine.call('GET', p.path('/incoming-webhooks?limit=2'), undefined, p.key);
    expect(page1.body.items.map((h: { name: string }) => h.name)).toEqual(['one', 'two']);
    const page2 = await engine.call('GET', p.path(`/incoming-webhooks?limit=2&cursor=${page1.body.nextCursor}`), undefined, p.key);
    expect(page2.body).toMatchObject({ items: [{ name: 'three' }], nextCursor: null });

    const renamed = await p.patch(`/incoming-webhooks/${hooks[0].id}`, { name: 'renamed' });
    expect(renamed.body).toMatchObject({ name: 'renamed', testUrl: hooks[0].testUrl });

    const rotated = await p.post(`/incoming-webhooks/${hooks[0].id}/rotate-tokens`, { url: 'production' });
    expectStatus(rotated, 200);
    expect(rotated.body.testUrl).toBe(hooks[0].testUrl);
    expect(rotated.body.productionUrl).not.toBe(hooks[0].productionUrl);
    expectProblem(await send(hooks[0].productionUrl, SEED_ORDER), 404, 'incoming_webhook_not_found');
    expectProblem(await send(rotated.body.productionUrl, SEED_ORDER), 422, 'mapping_not_configured');

    expectStatus(await engine.call('DELETE', p.path(`/incoming-webhooks/${hooks[1].id}`), undefined, p.key), 204);
    expectProblem(await engine.call('GET', p.path(`/incoming-webhooks/${hooks[1].id}`), undefined, p.key), 404, 'incoming_webhook_not_found');
    expectProblem(await send(hooks[1].testUrl, SEED_ORDER), 404, 'incoming_webhook_not_found');
  });

  it('another program’s key cannot see or change a webhook (403); no key → 401; bad names → 400', async () => {
    const p = await program();
    const other = await program();
    const hook = await createWebhook(p);
    expectProblem(await engine.call('GET', p.path(`/incoming-webhooks/${hook.id}`), undefined, other.key), 403, 'forbidden_program');
    expectProblem(await engine.call('GET', p.path(`/incoming-webhooks/${hook.id}`), undefined, null), 401, 'missing_api_key');
    expectProblem(await p.post('/incoming-webhooks', { name: '' }), 400, 'validation_failed', 'name');
    expectProblem(await p.post('/incoming-webhooks', {}), 400, 'validation_failed', 'name');
  });

  it('limits requests per token: over the rate → 429 with Retry-After, and they are not logged', async () => {
    const p = await program();
    const hook = await createWebhook(p);
    const answers = await Promise.all(Array.from({ length: 80 }, () => send(hook.testUrl, { n: 1 })));
    const limited = answers.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expectProblem(limited[0], 429, 'rate_limited');
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const log = await engine.call('GET', p.path(`/incoming-webhooks/${hook.id}/requests?limit=500`), undefined, p.key);
    expect(log.body.items).toHaveLength(answers.length - limited.length);
    // The production URL has its own budget.
    expectProblem(await send(hook.productionUrl, { n: 1 }), 422, 'mapping_not_configured');
  });

  it('counts requests by URL and outcome in /metrics, and documents its routes in /docs-json', async () => {
    const metrics = await engine.call('GET', '/metrics', undefined, null);
    expect(String(metrics.body)).toMatch(/incoming_webhook_requests_total\{url="production",outcome="created"\} [1-9]/);
    expect(String(metrics.body)).toMatch(/incoming_webhook_requests_total\{url="test",outcome="rate_limited"\} [1-9]/);
    const docs = await engine.call('GET', '/docs-json', undefined, null);
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/incoming/{token}',
        '/v1/programs/{pid}/incoming-webhooks',
        '/v1/programs/{pid}/incoming-webhooks/{id}/mapping',
        '/v1/programs/{pid}/incoming-webhooks/{id}/requests',
        '/v1/programs/{pid}/incoming-webhooks/{id}/rotate-tokens',
      ]),
    );
  });

  it('takes its rate and its public URL from INCOMING_WEBHOOK_RATE_LIMIT and PUBLIC_URL', async () => {
    const configured = await startTestEngine({ env: { INCOMING_WEBHOOK_RATE_LIMIT: '2', PUBLIC_URL: 'https://ledger.example.com/' } });
    try {
      const { id, key } = await createProgram(configured);
      const hook = await configured.call('POST', `/v1/programs/${id}/incoming-webhooks`, { name: 'x' }, key);
      expect(hook.body.testUrl).toMatch(/^https:\/\/ledger\.example\.com\/v1\/incoming\/iwt_/);
      const path = new URL(hook.body.testUrl).pathname;
      const answers = await Promise.all([1, 2, 3].map(() => configured.call('POST', path, { n: 1 }, null)));
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 429]);
    } finally {
      await configured.stop();
    }
  });
});
