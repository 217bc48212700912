import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { parseCsv } from '@partner-ledger/analytics';
import { DATABASE_FILE } from '@partner-ledger/config';
import { payoutClaimValue, RESERVATION_GRACE_MS, uniqueStream } from '@partner-ledger/domain';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { expectRefused, expectStatus, newProgram, POSITION, type ProgramClient, type Res, startTestEngine, type TestEngine, UNKNOWN_PID, withEventDelta } from '@partner-ledger/testing';

/** POST/GET /programs/:pid/payouts, GET …/:id, …/:id/export, POST …/:id/confirm and …/:id/cancel */
describe('payouts over HTTP', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine();
  });
  afterAll(async () => engine.stop());

  const get = (program: ProgramClient, suffix: string, key: string | null = program.key) => engine.call('GET', program.path(suffix), undefined, key);
  const createPayout = (program: ProgramClient, body: unknown = {}) => program.post('/payouts', body);

  /** An ACTIVE partner with an approved sale of `amount` (10 % commission). */
  async function approvedSale(program: ProgramClient, amount: string, partner?: { id: string; key: string }) {
    if (!partner) {
      const sale = await program.sale(amount);
      await program.approve(sale.tx.conversion.id);
      return { partner: sale.partner, conversionId: sale.tx.conversion.id as string, key: sale.tx.key as string, customer: sale.customer };
    }
    const customer = await program.customer({ partner: { id: partner.id } });
    const tx = await program.transaction({ customerKey: customer.key, amount });
    await program.approve(tx.conversion.id);
    return { partner, conversionId: tx.conversion.id as string, key: tx.key as string, customer };
  }

  async function totalsOf(program: ProgramClient, position: string) {
    const res = await get(program, `/commission-totals?minPosition=${position}`);
    expectStatus(res, 200);
    return res.body;
  }

  describe('success', () => {
    it('batches each partner’s approved commission, lists, reads, exports and confirms it; totals show paid and the balance', async () => {
      const program = await newProgram(engine);
      const ada = await approvedSale(program, '100.00');
      const ada2 = await approvedSale(program, '50.00', ada.partner);
      const bob = await approvedSale(program, '20.00');
      const pending = await program.sale('30.00'); // not approved: not payable

      const created = await withEventDelta(engine, () => createPayout(program));
      expectStatus(created, 201);
      const [first, second] = [ada.partner.id, bob.partner.id].sort();
      const amountOf = (id: string) => (id === ada.partner.id ? '15.00' : '2.00');
      const idsOf = (id: string) => (id === ada.partner.id ? [ada.conversionId, ada2.conversionId].sort() : [bob.conversionId]);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^po_[0-9a-f]{20}$/),
        status: 'DRAFT',
        currency: 'USD',
        upTo: expect.any(String),
        items: [first, second].map((partnerId) => ({ partnerId, amount: amountOf(partnerId), conversionIds: idsOf(partnerId) })),
        total: '17.00',
        reference: null,
        createdAt: expect.any(String),
        createdBy: { type: 'PROGRAM_KEY', id: program.id },
        confirmedBy: null,
        paidAt: null,
        cancelledAt: null,
        cancelledBy: null,
        position: expect.stringMatching(POSITION),
      });
      expect(created.headers.get('etag')).toBe('"0"');
      // One claim per (conversion, partner) settlement, then the payout.
      expect(created.appended).toBe(4);
      expect(created.body.items.flatMap((i: { conversionIds: string[] }) => i.conversionIds)).not.toContain(pending.tx.conversion.id);
      const id = created.body.id;
      const { position: _position, ...draft } = created.body;

      const one = await get(program, `/payouts/${id}?minPosition=${created.body.position}`);
      expectStatus(one, 200);
      expect(one.body).toEqual(draft);
      expect(one.headers.get('etag')).toBe('"0"');
      const list = await get(program, '/payouts');
      expectStatus(list, 200);
      expect(list.body).toEqual({ items: [draft], nextCursor: null });
      expect((await get(program, '/payouts?status=PAID')).body.items).toEqual([]);

      const csv = await get(program, `/payouts/${id}/export?format=csv`);
      expectStatus(csv, 200);
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="${id}.csv"`);
      const rows = parseCsv(csv.body);
      expect(rows[0]).toEqual(['partner_id', 'email', 'name', 'amount', 'currency', 'reference']);
      expect(rows.slice(1)).toEqual(
        [first, second].map((partnerId) => [partnerId, partnerId === ada.partner.id ? ada.partner.email : bob.partner.email, 'Partner', amountOf(partnerId), 'USD', id]),
      );

      const paid = await withEventDelta(engine, () => program.post(`/payouts/${id}/confirm`, { reference: 'PAYPAL-7781' }));
      expectStatus(paid, 200);
      expect(paid.appended).toBe(1);
      expect(paid.body).toMatchObject({ id, status: 'PAID', reference: 'PAYPAL-7781', confirmedBy: { type: 'PROGRAM_KEY', id: program.id }, paidAt: expect.any(String), total: '17.00' });
      expect(paid.headers.get('etag')).toBe('"1"');

      const totals = await totalsOf(program, paid.body.position);
      expect(totals.program).toMatchObject({ approved: { count: 3, amount: '17.00' }, paid: { count: 3, amount: '17.00' }, balance: '0.00', pending: { count: 1, amount: '3.00' } });
      const adaTotals = totals.items.find((t: { partnerId: string }) => t.partnerId === ada.partner.id);
      expect(adaTotals).toEqual({
        partnerId: ada.partner.id,
        currency: 'USD',
        pending: { count: 0, amount: '0.00' },
        approved: { count: 2, amount: '15.00' },
        denied: { count: 0, amount: '0.00' },
        reversed: { count: 0, amount: '0.00' },
        paid: { count: 2, amount: '15.00' },
        balance: '0.00',
      });
      const partner = await get(program, `/partners/${ada.partner.id}`);
      expect(partner.body.commissionTotals[0]).toMatchObject({ paid: { count: 2, amount: '15.00' }, balance: '0.00' });
      // asOf folds the payout streams too: paid after the confirmation, not before it.
      const beforePaid = await get(program, `/partners/${ada.partner.id}?asOf=${encodeURIComponent(one.body.createdAt)}`);
      expect(beforePaid.body.commissionTotals[0]).toMatchObject({ approved: { amount: '15.00' }, paid: { count: 0, amount: '0.00' }, balance: '15.00' });
      const afterPaid = await get(program, `/partners/${ada.partner.id}?asOf=${encodeURIComponent(new Date().toISOString())}`);
      expect(afterPaid.body.commissionTotals).toEqual(partner.body.commissionTotals);

      // Paid once: nothing is left to pay.
      await expectRefused(engine, () => createPayout(program), 422, 'nothing_to_pay');
    });

    it('cancel makes its commissions payable again; cancelling again answers it unchanged and appends nothing', async () => {
      const program = await newProgram(engine);
      const sale = await approvedSale(program, '80.00');
      const draft = (await createPayout(program)).body;
      await expectRefused(engine, () => createPayout(program), 422, 'nothing_to_pay');

      const cancelled = await withEventDelta(engine, () => program.post(`/payouts/${draft.id}/cancel`));
      expectStatus(cancelled, 200);
      // PayoutCancelled and the release of its one claim.
      expect(cancelled.appended).toBe(2);
      expect(cancelled.body).toMatchObject({ id: draft.id, status: 'CANCELLED', cancelledAt: expect.any(String), cancelledBy: { type: 'PROGRAM_KEY', id: program.id } });
      const again = await withEventDelta(engine, () => program.post(`/payouts/${draft.id}/cancel`));
      expectStatus(again, 200);
      expect(again.appended).toBe(0);
      expect(again.body.status).toBe('CANCELLED');

      const next = await createPayout(program);
      expectStatus(next, 201);
      expect(next.body.items).toEqual([{ partnerId: sale.partner.id, amount: '8.00', conversionIds: [sale.conversionId] }]);
      const totals = await totalsOf(program, next.body.position);
      expect(totals.program).toMatchObject({ paid: { count: 0, amount: '0.00' }, balance: '8.00' });
    });

    it('a refund after payment is a clawback: a negative balance the next payout nets off; a partner whose net is not positive is left out', async () => {
      const program = await newProgram(engine);
      const first = await approvedSale(program, '100.00');
      const batch = (await createPayout(program)).body;
      await program.post(`/payouts/${batch.id}/confirm`);

      const refund = await program.post(`/transactions/${encodeURIComponent(first.key)}/refund`, { amount: '60.00' });
      expectStatus(refund, 200);
      const owed = await totalsOf(program, refund.body.position);
      expect(owed.items[0]).toMatchObject({ approved: { amount: '4.00' }, paid: { count: 1, amount: '10.00' }, balance: '-6.00' });
      // The clawback alone is not positive: nothing to pay, and the balance stays.
      await expectRefused(engine, () => createPayout(program), 422, 'nothing_to_pay');

      const small = await approvedSale(program, '50.00', first.partner);
      await expectRefused(engine, () => createPayout(program), 422, 'nothing_to_pay');
      const big = await approvedSale(program, '100.00', first.partner);
      const netted = await createPayout(program);
      expectStatus(netted, 201);
      expect(netted.body.items).toEqual([{ partnerId: first.partner.id, amount: '9.00', conversionIds: [first.conversionId, small.conversionId, big.conversionId].sort() }]);
      const confirmed = await program.post(`/payouts/${netted.body.id}/confirm`);
      const after = await totalsOf(program, confirmed.body.position);
      expect(after.items[0]).toMatchObject({ approved: { count: 3, amount: '19.00' }, paid: { count: 4, amount: '19.00' }, balance: '0.00' });
    });

    it('keeps to the cut-off, the partners asked for and the minimum amount', async () => {
      const program = await newProgram(engine);
      const ada = await approvedSale(program, '100.00');
      const cutOff = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 5));
      const bob = await approvedSale(program, '40.00');
      const carl = await approvedSale(program, '300.00');

      const early = await createPayout(program, { upTo: cutOff, currency: 'USD' });
      expectStatus(early, 201);
      expect(early.body).toMatchObject({ upTo: cutOff, items: [{ partnerId: ada.partner.id, amount: '10.00' }] });
      const some = await createPayout(program, { partnerIds: [bob.partner.id, carl.partner.id], minimumAmount: '5.00' });
      expectStatus(some, 201);
      expect(some.body.items).toEqual([{ partnerId: carl.partner.id, amount: '30.00', conversionIds: [carl.conversionId] }]);
    });

    it('a claim left by a payout that was never written holds its line for the reservation grace, then is taken over', async () => {
      const program = await newProgram(engine);
      const sale = await approvedSale(program, '60.00');
      // As a process that died between claiming and writing its payout would leave it.
      const claim = async (stream: string, at: Date) => {
        const writer = SqliteEventStore.open(join(engine.dataDir, DATABASE_FILE));
        try {
          const head = await writer.readStream(stream);
          await writer.appendToStream(
            stream,
            [{ type: 'ValueReserved', data: { kind: 'payout-line', value: stream.split('.payout-line.')[1], ownerId: 'po_gone', at: at.toISOString() }, metadata: {} }],
            { expectedRevision: head.at(-1)?.revision ?? 'no_stream' },
          );
        } finally {
          await writer.close();
        }
      };
      const stream = uniqueStream(program.id, 'payout-line', payoutClaimValue(sale.conversionId, sale.partner.id, 0));
      await claim(stream, new Date());
      await expectRefused(engine, () => createPayout(program), 422, 'nothing_to_pay');
      const other = await newProgram(engine);
      const late = await approvedSale(other, '60.00');
      await claim(uniqueStream(other.id, 'payout-line', payoutClaimValue(late.conversionId, late.partner.id, 0)), new Date(Date.now() - RESERVATION_GRACE_MS - 1000));
      const taken = await withEventDelta(engine, () => createPayout(other));
      expectStatus(taken, 201);
      expect(taken.body.items).toEqual([{ partnerId: late.partner.id, amount: '6.00', conversionIds: [late.conversionId] }]);
      // The dangling claim released, the new one, the payout.
      expect(taken.appended).toBe(3);
    });

    it('two payouts created at the same time never share a commission', async () => {
      const program = await newProgram(engine);
      const sales = [];
      for (let i = 0; i < 6; i++) sales.push(await approvedSale(program, `${10 + i}.00`));
      const responses: Res[] = await Promise.all(Array.from({ length: 5 }, () => createPayout(program)));
      const created = responses.filter((r) => r.status === 201);
      for (const r of responses.filter((x) => x.status !== 201)) expect([409, 422]).toContain(r.status);
      expect(created.length).toBeGreaterThanOrEqual(1);
      const ids = created.flatMap((r) => r.body.items.flatMap((i: { conversionIds: string[] }) => i.conversionIds));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual(sales.map((s) => s.conversionId).sort());
    });
  });

  it('documents every payout route in /docs-json, with the payout schema on its answers', async () => {
    const docs = (await engine.call('GET', '/docs-json', undefined, null)).body;
    const paths = docs.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }>>;
    const ref = (path: string, method: string, status: string) => paths[path]?.[method]?.responses[status]?.content?.['application/json']?.schema?.$ref;
    expect(ref('/v1/programs/{pid}/payouts', 'post', '201')).toBe('#/components/schemas/PayoutDto');
    expect(ref('/v1/programs/{pid}/payouts', 'get', '200')).toBe('#/components/schemas/PayoutPageDto');
    expect(ref('/v1/programs/{pid}/payouts/{id}', 'get', '200')).toBe('#/components/schemas/PayoutDto');
    expect(ref('/v1/programs/{pid}/payouts/{id}/confirm', 'post', '200')).toBe('#/components/schemas/PayoutDto');
    expect(ref('/v1/programs/{pid}/payouts/{id}/cancel', 'post', '200')).toBe('#/components/schemas/PayoutDto');
    expect(paths['/v1/programs/{pid}/payouts/{id}/export'].get.responses['200'].content).toHaveProperty('text/csv');
  });

  describe('refusals append nothing', () => {
    let program: ProgramClient;
    let paidId: string;
    let cancelledId: string;
    beforeAll(async () => {
      program = await newProgram(engine);
      await approvedSale(program, '10.00');
      paidId = (await createPayout(program)).body.id;
      await program.post(`/payouts/${paidId}/confirm`);
      await approvedSale(program, '10.00');
      cancelledId = (await createPayout(program)).body.id;
      await program.post(`/payouts/${cancelledId}/cancel`);
    });

    it('bad options: a future cut-off, a bad time, another currency, a bad minimum, bad partner ids, unknown fields', async () => {
      const future = new Date(Date.now() + 60_000).toISOString();
      await expectRefused(engine, () => createPayout(program, { upTo: future }), 422, 'cut_off_in_future', 'upTo');
      await expectRefused(engine, () => createPayout(program, { upTo: 'soon' }), 400, 'invalid_time', 'upTo');
      await expectRefused(engine, () => createPayout(program, { currency: 'EUR' }), 422, 'currency_mismatch', 'currency');
      await expectRefused(engine, () => createPayout(program, { minimumAmount: '-5' }), 400, 'invalid_amount', 'minimumAmount');
      await expectRefused(engine, () => createPayout(program, { minimumAmount: null }), 400, 'validation_failed', 'minimumAmount');
      await expectRefused(engine, () => createPayout(program, { partnerIds: [] }), 400, 'validation_failed', 'partnerIds');
      await expectRefused(engine, () => createPayout(program, { partnerIds: [7] }), 400, 'validation_failed', 'partnerIds');
      await expectRefused(engine, () => createPayout(program, { status: 'PAID' }), 400, 'validation_failed', 'status');
    });

    it('wrong transitions: confirming a cancelled or paid payout, cancelling a paid one; an unknown payout or program', async () => {
      await expectRefused(engine, () => program.post(`/payouts/${cancelledId}/confirm`), 409, 'payout_cancelled');
      await expectRefused(engine, () => program.post(`/payouts/${paidId}/confirm`, { reference: 'again' }), 409, 'payout_already_paid');
      await expectRefused(engine, () => program.post(`/payouts/${paidId}/cancel`), 409, 'payout_already_paid');
      await expectRefused(engine, () => program.post('/payouts/po_00000000000000000000/confirm'), 404, 'payout_not_found');
      await expectRefused(engine, () => program.post('/payouts/po_00000000000000000000/cancel'), 404, 'payout_not_found');
      await expectRefused(engine, () => program.post(`/payouts/${paidId}/confirm`, { reference: 42 }), 400, 'validation_failed', 'reference');
      await expectRefused(engine, () => engine.call('POST', `/v1/programs/${UNKNOWN_PID}/payouts`, {}), 404, 'program_not_found');
      const other = await newProgram(engine);
      await expectRefused(engine, () => engine.call('POST', program.path(`/payouts/${paidId}/cancel`), undefined, other.key), 403, 'forbidden_program');
    });

    it('reads: an unknown payout, a bad status filter, an export format other than csv', async () => {
      await expectRefused(engine, () => get(program, '/payouts/po_00000000000000000000'), 404, 'payout_not_found');
      await expectRefused(engine, () => get(program, '/payouts/po_00000000000000000000/export?format=csv'), 404, 'payout_not_found');
      await expectRefused(engine, () => get(program, `/payouts/${paidId}/export?format=xml`), 400, 'invalid_format', 'format');
      await expectRefused(engine, () => get(program, `/payouts/${paidId}/export`), 400, 'invalid_format', 'format');
      await expectRefused(engine, () => get(program, '/payouts?status=OPEN'), 400, 'invalid_status', 'status');
      const list = await get(program, '/payouts?limit=1');
      expect(list.body.items).toHaveLength(1);
      const rest = await get(program, `/payouts?limit=1&cursor=${list.body.nextCursor}`);
      expect(rest.body).toMatchObject({ items: [{ id: paidId }], nextCursor: null });
    });
  });
});
