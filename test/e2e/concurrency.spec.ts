import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { commissionTotalsFromDomain, createProgram, minor, startTestEngine, type TestEngine, wholeLog } from '@partner-ledger/testing';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { DATABASE_FILE } from '@partner-ledger/config';
import { join } from 'node:path';

/** Optimistic concurrency over real HTTP: parallel commands on one stream or one customer. */
describe('concurrency', () => {
  let engine: TestEngine;
  let pid: string;
  let key: string;
  const post = (path: string, body?: unknown) => engine.call('POST', `/v1/programs/${pid}${path}`, body, key);

  beforeAll(async () => {
    engine = await startTestEngine();
    ({ id: pid, key } = await createProgram(engine));
    expect((await post('/partners', { email: 'p@example.com', name: 'P', key: 'P1' })).status).toBe(201);
    expect((await post('/customers', { email: 'c@example.com', name: 'C', key: 'c1', partner: { key: 'P1' } })).status).toBe(201);
  });
  afterAll(async () => engine.stop());

  const eventsOf = (stream: string) => engine.streamEvents(stream);

  it('50 parallel transactions for one customer all land, none lost', async () => {
    const before = await engine.eventCount();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => post('/transactions', { customerKey: 'c1', amount: '10.00', key: `par-${i}` })));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    expect(new Set(results.map((r) => r.body.key)).size).toBe(50);
    // Each transaction is recorded and converted: two events apiece.
    expect((await engine.eventCount()) - before).toBe(100);
    for (let i = 0; i < 50; i++) expect(await eventsOf(`transaction-${pid}.par-${i}`)).toHaveLength(2);
  });

  it('50 parallel sends of one transaction key record it once; the others are replays', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => post('/transactions', { customerKey: 'c1', amount: '25.00', key: 'same-key' })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    // A replay is seen directly or after one conflict-and-retry (nothing else writes that stream
    // after the first record, so a second conflict cannot happen): either way a 200.
    expect(statuses.filter((s) => s === 200)).toHaveLength(49);
    expect(await eventsOf(`transaction-${pid}.same-key`)).toHaveLength(2);
  });

  // Partial refunds racing on one sale: commuting-commands.spec.ts.

  it('50 parallel approvals of one conversion approve it once; every one answers 200 APPROVED', async () => {
    const tx = await post('/transactions', { customerKey: 'c1', amount: '40.00', key: 'approve-race' });
    const id = tx.body.conversion.id;
    const results = await Promise.all(Array.from({ length: 50 }, () => post(`/conversions/${id}/approve`)));
    // Approving commutes with approving (the second finds it approved): every one answers 200.
    for (const r of results) expect({ status: r.status, conversion: r.body.status }).toEqual({ status: 200, conversion: 'APPROVED' });
    const approvals = (await eventsOf(`transaction-${pid}.approve-race`)).filter((e) => e.type === 'ConversionApproved');
    expect(approvals).toHaveLength(1);
  });

  it('25 approvals against 25 denials: one decision wins, the losers are refused by it, never both', async () => {
    const tx = await post('/transactions', { customerKey: 'c1', amount: '60.00', key: 'approve-deny-race' });
    const id = tx.body.conversion.id;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? post(`/conversions/${id}/deny`, { reason: 'race' }) : post(`/conversions/${id}/approve`))));
    const decisions = (await eventsOf(`transaction-${pid}.approve-deny-race`)).filter((e) => e.type === 'ConversionApproved' || e.type === 'ConversionDenied');
    expect(decisions).toHaveLength(1);
    const [winner, loser] = decisions[0].type === 'ConversionApproved' ? ['APPROVED', 'DENIED'] : ['DENIED', 'APPROVED'];
    // The losing side is told why: the other decision (or, having lost the write, a conflict).
    const refusal = winner === 'APPROVED' ? 'conversion_already_approved' : 'conversion_denied';
    results.forEach((r, i) => {
      const side = i % 2 ? 'DENIED' : 'APPROVED';
      if (r.status === 200) expect({ side, status: r.body.status }).toEqual({ side: winner, status: winner });
      else
        expect({ status: r.status, code: r.body.code }).toEqual({
          status: 409,
          code: side === loser ? expect.stringMatching(`^(${refusal}|concurrent_modification)$`) : 'concurrent_modification',
        });
    });
    const history = await engine.call('GET', `/v1/programs/${pid}/conversions/${id}/history`, undefined, key);
    expect(history.body.items.map((h: { type: string }) => h.type)).toEqual(['CREATED', winner === 'APPROVED' ? 'APPROVED' : 'DENIED']);
  });

  it('parallel refunds asking for more than the sale: never over-refunded, and the reversals add up', async () => {
    const tx = await post('/transactions', { customerKey: 'c1', amount: '100.00', key: 'over-refund-race' });
    const commission = Number(tx.body.conversion.commissions[0].amount.replace('.', ''));
    // 10 × 30.00 and 5 refunds of the rest: together far past 100.00.
    const results = await Promise.all(Array.from({ length: 15 }, (_, i) => post('/transactions/over-refund-race/refund', i % 3 === 2 ? {} : { amount: '30.00' })));
    for (const r of results.filter((r) => r.status !== 200)) {
      expect(['concurrent_modification', 'refund_exceeds_remaining', 'transaction_fully_refunded']).toContain(r.body.code);
    }
    const refunds = (await eventsOf(`transaction-${pid}.over-refund-race`)).filter((e) => e.type === 'TransactionRefunded');
    expect(refunds).toHaveLength(results.filter((r) => r.status === 200).length);
    const refunded = refunds.reduce((sum, e) => sum + Number(e.data.amountMinor), 0);
    expect(refunded).toBeLessThanOrEqual(100_00);
    expect(Number(refunds.at(-1)!.data.refundedTotalMinor)).toBe(refunded);
    // Whatever is left can be refunded, and not a cent more; then the commission is all reversed.
    const left = 100_00 - refunded;
    if (left > 0) {
      const over = await post('/transactions/over-refund-race/refund', { amount: ((left + 1) / 100).toFixed(2) });
      expect({ status: over.status, code: over.body.code }).toEqual({ status: 422, code: 'refund_exceeds_remaining' });
      expect((await post('/transactions/over-refund-race/refund', {})).status).toBe(200);
    }
    expect((await post('/transactions/over-refund-race/refund', {})).body.code).toBe('transaction_fully_refunded');
    const all = (await eventsOf(`transaction-${pid}.over-refund-race`)).filter((e) => e.type === 'TransactionRefunded');
    expect(all.reduce((sum, e) => sum + Number(e.data.amountMinor), 0)).toBe(100_00);
    const reversed = all.flatMap((e) => e.data.reversals as { amountMinor: number }[]).reduce((sum, r) => sum + Number(r.amountMinor), 0);
    expect(reversed).toBe(commission);
  });

  it('one transaction key sent at once with two different bodies: one is recorded, its twins replay, the others are transaction_key_reused', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => post('/transactions', { customerKey: 'c1', amount: i % 2 ? '20.00' : '10.00', key: 'key-two-bodies' })));
    const winner = results.find((r) => r.status === 201)!;
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    results.forEach((r, i) => {
      const twin = (i % 2 ? '20.00' : '10.00') === winner.body.amount;
      if (r !== winner) expect({ twin, status: r.status, code: r.body.code }).toEqual(twin ? { twin, status: 200, code: undefined } : { twin, status: 409, code: 'transaction_key_reused' });
    });
    expect(await eventsOf(`transaction-${pid}.key-two-bodies`)).toHaveLength(2);
  });

  it('50 parallel partners racing for one email: exactly one wins, the others get partner_email_taken', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => post('/partners', { email: 'race@example.com', name: `R${i}`, key: `RACE${i}` })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 201)) {
      expect(r.status).toBe(409);
      expect(['partner_email_taken', 'concurrent_modification']).toContain(r.body.code);
    }
    // Losers gave their keys back: each can be reused by a new partner.
    const loser = results.findIndex((r) => r.status !== 201);
    expect((await post('/partners', { email: 'other@example.com', name: 'O', key: `RACE${loser}` })).status).toBe(201);
  });

  it('50 parallel customers racing for one email: exactly one wins, the others get customer_email_taken', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => post('/customers', { email: 'cust-race@example.com', name: `C${i}`, key: `cust-race-${i}` })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 201))
      expect({ status: r.status, code: r.body.code }).toEqual({ status: 409, code: expect.stringMatching(/^(customer_email_taken|concurrent_modification)$/) });
    const loser = results.findIndex((r) => r.status !== 201);
    expect((await post('/customers', { email: 'cust-other@example.com', name: 'O', key: `cust-race-${loser}` })).status).toBe(201);
  });

  it('after every race, the totals equal the events', async () => {
    const reader = SqliteEventStore.open(join(engine.dataDir, DATABASE_FILE));
    const events = await wholeLog(reader).finally(() => reader.close());
    const expected = commissionTotalsFromDomain(events, pid);
    const res = await engine.call('GET', `/v1/programs/${pid}/commission-totals?limit=100&minPosition=${events.at(-1)!.position}`, undefined, key);
    expect(res.status).toBe(200);
    const buckets = (t: Record<string, { count: number; amount: string }>) =>
      Object.fromEntries(['pending', 'approved', 'denied', 'reversed'].map((b) => [b, { count: t[b].count, amount: minor(t[b].amount) }]));
    expect(buckets(res.body.program)).toEqual(expected.program);
    expect(Object.fromEntries(res.body.items.map((t: { partnerId: string }) => [t.partnerId, buckets(t as never)]))).toEqual(Object.fromEntries(expected.partners));
    expect(expected.program.approved.count).toBeGreaterThan(0);
  });
});
