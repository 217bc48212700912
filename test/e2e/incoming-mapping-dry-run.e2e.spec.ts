import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createProgram,
  expectNoNewEvents,
  expectProblem,
  expectStatus,
  PARTNERO_SEED_MAPPING,
  PARTNERO_SEED_ORDER,
  ProgramClient,
  type Res,
  startTestEngine,
  type TestEngine,
} from '@partner-ledger/testing';

/** POST …/incoming-webhooks/:id/mapping/dry-run: a mapping tried on a kept sample before it is saved. */
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

async function send(url: string, body: unknown): Promise<Res> {
  return engine.call('POST', new URL(url).pathname, JSON.stringify(body), null, { 'content-type': 'application/json' });
}

async function webhook(p: ProgramClient) {
  const res = await p.post('/incoming-webhooks', { name: 'Shop orders' });
  expectStatus(res, 201);
  return res.body as { id: string; testUrl: string; productionUrl: string };
}

describe('incoming webhooks: dry run of a mapping before it is saved', () => {
  it("answers the events Partnero's order would write under the seed's mapping, writing nothing: no event, no mapping, no request logged", async () => {
    const p = await program();
    const partner = await p.partner({ key: 'PARTNER123', name: 'Partner 123' });
    const hook = await webhook(p);
    const dryRun = (body: unknown, key: string | null = p.key) => engine.call('POST', p.path(`/incoming-webhooks/${hook.id}/mapping/dry-run`), body, key);

    expectProblem(await dryRun({ action: 'create_transaction', fields: PARTNERO_SEED_MAPPING }), 422, 'no_sample');
    expectStatus(await send(hook.testUrl, PARTNERO_SEED_ORDER), 200);

    const tried = await expectNoNewEvents(engine, () => dryRun({ action: 'create_transaction', fields: PARTNERO_SEED_MAPPING }));
    expectStatus(tried, 200);
    const shown = (await engine.call('GET', p.path(`/incoming-webhooks/${hook.id}`), undefined, p.key)).body;
    expect(tried.body).toMatchObject({
      action: 'create_transaction',
      mapping: PARTNERO_SEED_MAPPING,
      sample: { index: 0, receivedAt: shown.samples[0].receivedAt },
      warnings: [],
      dryRun: {
        wouldSucceed: true,
        status: 201,
        result: {
          customer: { created: true },
          transaction: { key: 'ORD-789', amount: '149.99', created: true, conversion: { partnerId: partner.id, commissions: [{ level: 1, amount: '15.00' }] } },
        },
      },
    });
    const events = tried.body.dryRun.events as { stream: string; type: string; data: Record<string, any> }[];
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['CustomerCreated', 'TransactionRecorded', 'ConversionCreated']));
    expect(events.find((e) => e.type === 'CustomerCreated')?.data).toMatchObject({ email: 'jane@example.com', name: 'Jane Smith' });
    expect(events.find((e) => e.type === 'ConversionCreated')?.data).toMatchObject({ transactionKey: 'ORD-789', partnerId: partner.id, commissions: [{ amountMinor: 1500 }] });

    // Nothing saved: the mapping is still unset, the log holds only the sample, and the production URL still refuses.
    expect(shown).toMatchObject({ action: null, mapping: null });
    const log = (await engine.call('GET', p.path(`/incoming-webhooks/${hook.id}/requests`), undefined, p.key)).body;
    expect(log.items.map((r: { url: string; outcome: string }) => `${r.url}:${r.outcome}`)).toEqual(['test:sampled']);
    expectProblem(await send(hook.productionUrl, PARTNERO_SEED_ORDER), 422, 'mapping_not_configured');

    // Without transactionKey it still runs, and says why that is risky.
    const { transactionKey: _key, ...unkeyed } = PARTNERO_SEED_MAPPING;
    const risky = await dryRun({ action: 'create_transaction', fields: unkeyed });
    expectStatus(risky, 200);
    expect(risky.body.warnings).toEqual([expect.stringContaining('transactionKey is not bound')]);
  });

  it('a payload the handlers would refuse is a 200 whose dry run carries the problem and no events', async () => {
    const p = await program();
    const hook = await webhook(p);
    // No partner has the key PARTNER123 in this program.
    await send(hook.testUrl, PARTNERO_SEED_ORDER);
    const tried = await expectNoNewEvents(engine, () =>
      engine.call('POST', p.path(`/incoming-webhooks/${hook.id}/mapping/dry-run`), { action: 'create_transaction', fields: PARTNERO_SEED_MAPPING }, p.key),
    );
    expectStatus(tried, 200);
    expect(tried.body.dryRun).toMatchObject({ wouldSucceed: false, status: 422, events: [], error: { code: 'partner_not_found', errors: [{ field: 'partnerKey', path: 'referral_code' }] } });
  });

  it('runs on an older kept sample when asked, and refuses a sample it does not keep', async () => {
    const p = await program();
    const hook = await webhook(p);
    await send(hook.testUrl, { email: 'old@example.com', name: 'Old' });
    await send(hook.testUrl, { email: 'new@example.com', name: 'New' });
    const shown = (await engine.call('GET', p.path(`/incoming-webhooks/${hook.id}`), undefined, p.key)).body;
    const dryRun = (sample?: number) =>
      engine.call('POST', p.path(`/incoming-webhooks/${hook.id}/mapping/dry-run`), { action: 'create_partner', fields: { email: 'email', name: 'name' }, sample }, p.key);

    const newest = await dryRun();
    expect(newest.body.sample).toEqual({ index: 0, receivedAt: shown.samples[0].receivedAt });
    expect(newest.body.dryRun.result.partner).toMatchObject({ email: 'new@example.com', name: 'New' });
    const older = await dryRun(1);
    expect(older.body.sample).toEqual({ index: 1, receivedAt: shown.samples[1].receivedAt });
    expect(older.body.dryRun.result.partner).toMatchObject({ email: 'old@example.com', name: 'Old' });
    expect(older.body.dryRun.events.map((e: { type: string }) => e.type)).toContain('PartnerCreated');

    expectProblem(await dryRun(2), 422, 'sample_not_found', 'sample');
    expectProblem(await dryRun(5), 400, 'validation_failed', 'sample');
  });

  it('refuses an invalid mapping as saving does, and answers 404 and 403 for an unknown webhook or a foreign key; documented in /docs-json', async () => {
    const p = await program();
    const other = await program();
    const hook = await webhook(p);
    await send(hook.testUrl, PARTNERO_SEED_ORDER);
    const path = `/incoming-webhooks/${hook.id}/mapping/dry-run`;

    const invalid = await expectNoNewEvents(engine, () => p.post(path, { action: 'create_transaction', fields: { amount: 'order.total', colour: 'order.id' } }));
    expectProblem(invalid, 422, 'invalid_mapping', 'fields.amount');
    expectProblem(invalid, 422, 'invalid_mapping', 'fields.colour');
    expectProblem(invalid, 422, 'invalid_mapping', 'fields.customerKey|customerEmail');
    expectProblem(await p.post(path, { action: 'make_coffee', fields: {} }), 400, 'validation_failed', 'action');
    expectProblem(await p.post('/incoming-webhooks/iwh_nope/mapping/dry-run', { action: 'create_partner', fields: {} }), 404, 'incoming_webhook_not_found');
    expectProblem(await p.post(path, { action: 'create_transaction', fields: PARTNERO_SEED_MAPPING }, other.key), 403, 'forbidden_program');

    const doc = (await engine.call('GET', '/docs-json')).body;
    const operation = doc.paths['/v1/programs/{pid}/incoming-webhooks/{id}/mapping/dry-run'].post;
    expect(operation.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/DryRunMappingDto' });
    expect(operation.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/MappingDryRunDto' });
    expect(operation.responses['422']).toBeDefined();
    expect(Object.keys(doc.components.schemas.DryRunMappingDto.properties).sort()).toEqual(['action', 'fields', 'sample']);
    expect(Object.keys(doc.components.schemas.MappingDryRunDto.properties).sort()).toEqual(['action', 'dryRun', 'mapping', 'sample', 'warnings']);
  });
});
