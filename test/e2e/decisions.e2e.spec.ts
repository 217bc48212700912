import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { ADMIN_KEY, expectNoNewEvents, expectProblem, expectRefused, expectStatus, newProgram, POSITION, type ProgramClient, uniq, withEventDelta } from '@partner-ledger/testing';

/**
 * POST /programs/:pid/conversions/:id/reopen · GET /programs/:pid/conversions/:id/history ·
 * SELF_REFERRAL flags in the answers and `GET /conversions?flagged=`.
 */
describe('reversible, audited decisions and self-referral flags over HTTP', () => {
  let engine: TestEngine;
  let program: ProgramClient;
  let other: ProgramClient;
  beforeAll(async () => {
    engine = await startTestEngine();
    program = await newProgram(engine);
    other = await newProgram(engine);
  });
  afterAll(async () => engine.stop());

  const reopen = (id: string, body?: unknown, key?: string | null) => program.post(`/conversions/${id}/reopen`, body, key);
  const deny = (id: string, body?: unknown, key?: string | null) => program.post(`/conversions/${id}/deny`, body, key);
  const history = (id: string, query = '', key: string | null = program.key) => engine.call('GET', program.path(`/conversions/${id}/history${query}`), undefined, key);
  const read = async (suffix: string) => {
    const res = await engine.call('GET', program.path(suffix), undefined, program.key);
    expectStatus(res, 200);
    return res.body;
  };

  describe('reopen', () => {
    it('200: a denied conversion is PENDING again (one event), then approves; the totals count it approved once', async () => {
      const { partner, tx } = await program.sale('100.00');
      expectStatus(await deny(tx.conversion.id, { reason: 'looked like fraud' }), 200);
      const res = await withEventDelta(engine, () => reopen(tx.conversion.id, { reason: 'the customer is real' }, ADMIN_KEY));
      expectStatus(res, 200);
      expect(res.appended).toBe(1);
      expect(res.body).toMatchObject({
        id: tx.conversion.id,
        status: 'PENDING',
        commissions: [{ partnerId: partner.id, level: 1, amount: '10.00' }],
        position: expect.stringMatching(POSITION),
      });
      expect(res.headers.get('etag')).toBe('"3"');
      const approved = await program.approve(tx.conversion.id);
      const totals = await read(`/partners/${partner.id}/commissions?minPosition=${approved.position}`);
      expect(totals.items).toEqual([
        {
          partnerId: partner.id,
          currency: 'USD',
          pending: { count: 0, amount: '0.00' },
          approved: { count: 1, amount: '10.00' },
          denied: { count: 0, amount: '0.00' },
          reversed: { count: 0, amount: '0.00' },
          paid: { count: 0, amount: '0.00' },
          balance: '10.00',
        },
      ]);
      const listed = await read(`/conversions?transactionKey=${tx.key}&minPosition=${approved.position}`);
      expect(listed.items).toEqual([expect.objectContaining({ id: tx.conversion.id, status: 'APPROVED' })]);
      expect(listed.items[0]).not.toHaveProperty('reason');
    });

    it('reopening after a partial refund made while denied: the pending commission is net of it', async () => {
      const { partner, tx } = await program.sale('100.00');
      expectStatus(await deny(tx.conversion.id), 200);
      expectStatus(await program.post(`/transactions/${tx.key}/refund`, { amount: '40.00' }), 200);
      const res = await reopen(tx.conversion.id);
      expectStatus(res, 200);
      expect(res.body.commissions).toEqual([{ partnerId: partner.id, level: 1, amount: '6.00' }]);
      const totals = await read(`/partners/${partner.id}/commissions?minPosition=${res.body.position}`);
      expect(totals.items[0]).toMatchObject({ pending: { count: 1, amount: '6.00' }, denied: { count: 0, amount: '0.00' }, reversed: { count: 1, amount: '4.00' } });
    });

    it('409 conversion_already_pending for a pending conversion (a second reopen too), appending nothing', async () => {
      const { tx } = await program.sale();
      await expectRefused(engine, () => reopen(tx.conversion.id), 409, 'conversion_already_pending');
      expectStatus(await deny(tx.conversion.id), 200);
      expectStatus(await reopen(tx.conversion.id), 200);
      await expectRefused(engine, () => reopen(tx.conversion.id), 409, 'conversion_already_pending');
    });

    it('409 conversion_already_approved for an approved conversion', async () => {
      const { tx } = await program.sale();
      await program.approve(tx.conversion.id);
      await expectRefused(engine, () => reopen(tx.conversion.id), 409, 'conversion_already_approved');
    });

    it('409 transaction_fully_refunded for a denied conversion whose sale was refunded in full', async () => {
      const { tx } = await program.sale();
      expectStatus(await deny(tx.conversion.id), 200);
      expectStatus(await program.post(`/transactions/${tx.key}/refund`), 200);
      await expectRefused(engine, () => reopen(tx.conversion.id), 409, 'transaction_fully_refunded');
    });

    it('400 for a bad reason, 404 for an unknown conversion, 412 for a stale If-Match, 401/403 for keys', async () => {
      const { tx } = await program.sale();
      expectStatus(await deny(tx.conversion.id), 200);
      await expectRefused(engine, () => reopen(tx.conversion.id, { reason: 'x'.repeat(501) }), 400, 'validation_failed', 'reason');
      await expectRefused(engine, () => reopen(tx.conversion.id, { reason: null }), 400, 'validation_failed', 'reason');
      await expectRefused(engine, () => reopen(`cv_${Buffer.from('no-such-order').toString('base64url')}`), 404, 'conversion_not_found');
      await expectRefused(engine, () => reopen('nope'), 404, 'conversion_not_found');
      await expectRefused(engine, () => engine.call('POST', program.path(`/conversions/${tx.conversion.id}/reopen`), {}, program.key, { 'if-match': '"1"' }), 412, 'precondition_failed');
      await expectRefused(engine, () => reopen(tx.conversion.id, undefined, null), 401, 'missing_api_key');
      await expectRefused(engine, () => reopen(tx.conversion.id, undefined, other.key), 403, 'forbidden_program');
    });
  });

  describe('history', () => {
    it('answers the timeline from the events: who decided, why, when, at which position', async () => {
      const { partner, tx } = await program.sale('100.00');
      expectStatus(await deny(tx.conversion.id, { reason: 'duplicate?' }), 200);
      expectStatus(await reopen(tx.conversion.id, { reason: 'not a duplicate' }, ADMIN_KEY), 200);
      expectStatus(await program.post(`/conversions/${tx.conversion.id}/approve`, { reason: 'order shipped' }), 200);
      expectStatus(await program.post(`/transactions/${tx.key}/refund`, { amount: '25.00', reason: 'one item returned' }), 200);

      const res = await expectNoNewEvents(engine, () => history(tx.conversion.id));
      expectStatus(res, 200);
      const programKey = { type: 'PROGRAM_KEY', id: program.id };
      const line = (amount: string) => [{ partnerId: partner.id, level: 1, amount }];
      expect(res.body).toMatchObject({ conversionId: tx.conversion.id, transactionKey: tx.key, nextCursor: null });
      expect(res.body.items).toEqual([
        expect.objectContaining({ type: 'CREATED', status: 'PENDING', actor: programKey, reason: null, commissions: line('10.00'), flags: [] }),
        expect.objectContaining({ type: 'DENIED', status: 'DENIED', actor: programKey, reason: 'duplicate?', commissions: line('10.00') }),
        expect.objectContaining({ type: 'REOPENED', status: 'PENDING', actor: { type: 'ADMIN' }, reason: 'not a duplicate', commissions: line('10.00'), reversals: [] }),
        expect.objectContaining({ type: 'APPROVED', status: 'APPROVED', actor: programKey, reason: 'order shipped' }),
        expect.objectContaining({ type: 'REFUNDED', status: 'APPROVED', actor: programKey, reason: 'one item returned', amount: '25.00', fullyRefunded: false, reversals: line('2.50') }),
      ]);
      const items = res.body.items as { at: string; position: string; revision: number }[];
      expect(items.map((i) => i.revision)).toEqual([1, 2, 3, 4, 5]);
      for (const [i, item] of items.entries()) {
        expect(item.position).toMatch(POSITION);
        expect(Number.isNaN(Date.parse(item.at))).toBe(false);
        if (i > 0) expect(BigInt(item.position) > BigInt(items[i - 1].position)).toBe(true);
      }
    });

    it('a sale an incoming webhook recorded names the incoming webhook as its actor (and is flagged like any other)', async () => {
      const partner = await program.partner({ key: uniq('REF'), email: `${uniq('shop')}@example.com` });
      const hook = (await program.post('/incoming-webhooks', { name: 'orders' })).body;
      const order = { customer: { email: partner.email.replace('@', '+own@'), name: 'Self Buyer' }, order: { id: uniq('ORD-'), amount: '30.00' }, ref: partner.key };
      const post = (url: string) => engine.call('POST', new URL(url).pathname, JSON.stringify(order), null, { 'content-type': 'application/json' });
      expectStatus(await post(hook.testUrl), 200);
      const fields = { customerEmail: 'customer.email', customerName: 'customer.name', transactionKey: 'order.id', amount: 'order.amount', partnerKey: 'ref' };
      expectStatus(await engine.call('PUT', program.path(`/incoming-webhooks/${hook.id}/mapping`), { action: 'create_transaction', fields }, program.key), 200);
      const received = await post(hook.productionUrl);
      expectStatus(received, 201);
      expect(received.body.transaction.conversion).toMatchObject({ status: 'PENDING', flags: ['SELF_REFERRAL'] });
      const conversionId = received.body.transaction.conversion.id;
      expect((await history(conversionId)).body.items).toEqual([expect.objectContaining({ type: 'CREATED', actor: { type: 'INCOMING_WEBHOOK', id: hook.id }, flags: ['SELF_REFERRAL'] })]);
    });

    it('pages with limit and nextCursor, oldest first', async () => {
      const { tx } = await program.sale('100.00');
      for (const amount of ['1.00', '2.00', '3.00']) expectStatus(await program.post(`/transactions/${tx.key}/refund`, { amount }), 200);
      const all = (await history(tx.conversion.id)).body.items;
      expect(all.map((i: { type: string }) => i.type)).toEqual(['CREATED', 'REFUNDED', 'REFUNDED', 'REFUNDED']);
      const first = await history(tx.conversion.id, '?limit=3');
      expectStatus(first, 200);
      expect(first.body.items).toEqual(all.slice(0, 3));
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await history(tx.conversion.id, `?limit=3&cursor=${first.body.nextCursor}`);
      expect(second.body).toMatchObject({ items: all.slice(3), nextCursor: null });
    });

    it('404 for an unknown conversion or an unattributed sale, 400 for a bad cursor or limit, 403 for another program', async () => {
      const { tx } = await program.sale();
      const loner = await program.customer();
      const unattributed = await program.transaction({ customerKey: loner.key, amount: '10' });
      expectProblem(await history(`cv_${Buffer.from(unattributed.key).toString('base64url')}`), 404, 'conversion_not_found');
      expectProblem(await history(`cv_${Buffer.from('no-such-order').toString('base64url')}`), 404, 'conversion_not_found');
      expectProblem(await history('nope'), 404, 'conversion_not_found');
      expectProblem(await history(tx.conversion.id, '?cursor=nope'), 400, 'invalid_cursor', 'cursor');
      expectProblem(await history(tx.conversion.id, `?cursor=${Buffer.from('[1]').toString('base64url')}`), 400, 'invalid_cursor', 'cursor');
      expectProblem(await history(tx.conversion.id, '?limit=0'), 400, 'invalid_limit', 'limit');
      expectProblem(await history(tx.conversion.id, '', other.key), 403, 'forbidden_program');
    });
  });

  it('documents reopen and history in OpenAPI with their request and response schemas', async () => {
    const doc = (await engine.call('GET', '/docs-json', undefined, null)).body;
    const reopenOp = doc.paths['/v1/programs/{pid}/conversions/{id}/reopen'].post;
    expect(reopenOp.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ReopenConversionDto' });
    expect(reopenOp.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/DecidedConversionDto' });
    expect(reopenOp.responses['409']).toBeDefined();
    const historyOp = doc.paths['/v1/programs/{pid}/conversions/{id}/history'].get;
    expect(historyOp.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ConversionHistoryDto' });
    expect(Object.keys(doc.components.schemas.DecidedConversionDto.properties)).toEqual(expect.arrayContaining(['flags', 'flagReasons']));
    expect(doc.components.schemas.ActorDto.properties.type.enum).toEqual(['ADMIN', 'PROGRAM_KEY', 'INCOMING_WEBHOOK', 'ENGINE']);
    expect(doc.paths['/v1/programs/{pid}/conversions'].get.parameters.map((p: { name: string }) => p.name)).toContain('flagged');
  });

  describe('SELF_REFERRAL flags', () => {
    it('a partner buying through its own link (gmail dots, +tag) is PENDING with the flag and its reason, in every answer', async () => {
      const local = uniq('ada');
      const partner = await program.partner({ email: `${local}@gmail.com` });
      const customer = await program.customer({ email: `${local.slice(0, 2)}.${local.slice(2)}+shop@googlemail.com`, partner: { id: partner.id } });
      const tx = await program.transaction({ customerKey: customer.key, amount: '50.00' });
      const flagged = { flags: ['SELF_REFERRAL'], flagReasons: [{ flag: 'SELF_REFERRAL', reason: 'customer_is_partner', partnerId: partner.id }] };
      expect(tx.conversion).toMatchObject({ status: 'PENDING', ...flagged, commissions: [{ partnerId: partner.id, level: 1, amount: '5.00' }] });

      const pending = await read(`/conversions?status=PENDING&flagged=true&partnerId=${partner.id}&minPosition=${tx.position}`);
      expect(pending.items).toEqual([expect.objectContaining({ id: tx.conversion.id, status: 'PENDING', ...flagged })]);
      const clean = await read(`/conversions?flagged=false&partnerId=${partner.id}`);
      expect(clean.items).toEqual([]);
      expect((await history(tx.conversion.id)).body.items[0]).toMatchObject({ type: 'CREATED', ...flagged });
      // The decisions answer it too, and it stays flagged whatever is decided.
      const approved = await program.approve(tx.conversion.id);
      expect(approved).toMatchObject({ status: 'APPROVED', ...flagged });
    });

    it('a partner referring itself through a referral chain: the buyer is a partner it referred', async () => {
      const upline = await program.partner({ key: uniq('UP') });
      const sock = await program.partner({ referringPartnerKey: upline.key });
      const customer = await program.customer({ email: sock.email, partner: { id: upline.id } });
      const tx = await program.transaction({ customerKey: customer.key, amount: '20.00' });
      expect(tx.conversion).toMatchObject({ status: 'PENDING', flags: ['SELF_REFERRAL'], flagReasons: [{ flag: 'SELF_REFERRAL', reason: 'customer_is_downline', partnerId: sock.id }] });
    });

    it('an ordinary sale has no flags and is listed under flagged=false', async () => {
      const { partner, tx } = await program.sale('10.00');
      expect(tx.conversion).toMatchObject({ flags: [], flagReasons: [] });
      const listed = await read(`/conversions?flagged=false&partnerId=${partner.id}&minPosition=${tx.position}`);
      expect(listed.items).toEqual([expect.objectContaining({ id: tx.conversion.id, flags: [] })]);
      expect((await read(`/conversions?flagged=true&partnerId=${partner.id}`)).items).toEqual([]);
    });

    it('400 invalid_flagged for anything but true or false', async () => {
      expectProblem(await engine.call('GET', program.path('/conversions?flagged=yes'), undefined, program.key), 400, 'invalid_flagged', 'flagged');
    });
  });
});
