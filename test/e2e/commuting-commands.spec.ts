import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { burst, type EventStoreDbDouble, expectStatus, newProgram, type ProgramClient, startEventStoreDbDouble, startTestEngine, type TestEngine } from '@partner-ledger/testing';

/**
 * Commands that commute are decided again on fresh state until they are appended or truly refused
 * (libs/api/src/shared/retry-policy.ts), on the embedded store and on the EventStoreDB adapter (its
 * wrong-expected-version answer, through the protocol double, is what the retry waits for).
 */
describe.each(['sqlite', 'eventstoredb'] as const)('commuting commands over HTTP (%s)', (kind) => {
  let esdb: EventStoreDbDouble | undefined;
  let engine: TestEngine;
  let program: ProgramClient;

  beforeAll(async () => {
    if (kind === 'eventstoredb') esdb = await startEventStoreDbDouble();
    engine = await startTestEngine({ env: esdb ? { EVENT_STORE_URL: esdb.url } : {} });
    program = await newProgram(engine);
  });
  afterAll(async () => {
    await engine.stop();
    await esdb?.close();
  });

  /** The stream's events as the events feed hands them out. */
  const eventsOf = async (stream: string) => {
    const res = await engine.call('GET', `${program.path('/events')}?stream=${encodeURIComponent(stream)}&limit=10000`, undefined, program.key);
    expectStatus(res, 200);
    return String(res.body ?? '')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; position: string; data: any });
  };
  /** Program-key POSTs sent together from outside the engine's process, so they truly race. */
  const racing = (requests: { path: string; body?: unknown }[]) =>
    burst(
      requests.map(({ path, body }) => ({
        method: 'POST',
        url: engine.url + program.path(path),
        headers: { authorization: `Bearer ${program.key}`, 'content-type': 'application/json' },
        body: body ?? {},
      })),
    );
  const sumMinor = (amounts: string[]) => amounts.reduce((sum, a) => sum + Math.round(Number(a) * 100), 0);

  it('20 concurrent partial refunds of 7.00 on a 100.00 sale: 14 succeed, 6 are refused refund_exceeds_remaining, reversals add up exactly', async () => {
    const { partner, tx } = await program.sale('100.00');
    expect(tx.conversion.commissions).toEqual([{ partnerId: partner.id, level: 1, amount: '10.00' }]);

    const results = await racing(Array.from({ length: 20 }, () => ({ path: `/transactions/${tx.key}/refund`, body: { amount: '7.00' } })));
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status !== 200);
    expect(ok).toHaveLength(14);
    expect(refused).toHaveLength(6);
    for (const r of refused) expect({ status: r.status, code: r.body.code }).toEqual({ status: 422, code: 'refund_exceeds_remaining' });
    expect(ok.map((r) => r.body.refund.amount)).toEqual(Array(14).fill('7.00'));
    // Each success saw the refunds before it: the refunded totals it answered are 7.00 … 98.00, once each.
    expect(ok.map((r) => sumMinor([r.body.refunded])).sort((a, b) => a - b)).toEqual(Array.from({ length: 14 }, (_, i) => (i + 1) * 700));

    // The events: fourteen refunds, distinct, adding up to 98.00 and reversing 9.80 of the 10.00.
    const refunds = (await eventsOf(`transaction-${program.id}.${tx.key}`)).filter((e) => e.type === 'TransactionRefunded');
    expect(refunds).toHaveLength(14);
    expect(new Set(refunds.map((e) => e.data.refundId))).toEqual(new Set(ok.map((r) => r.body.refund.id)));
    expect(refunds.map((e) => e.data.amountMinor)).toEqual(Array(14).fill(700));
    expect(refunds.map((e) => e.data.refundedTotalMinor)).toEqual(Array.from({ length: 14 }, (_, i) => (i + 1) * 700));
    const reversedInEvents = refunds.flatMap((e) => e.data.reversals as { amountMinor: number }[]).reduce((sum, r) => sum + r.amountMinor, 0);
    expect(reversedInEvents).toBe(980);
    // The answers' reversals are the events'.
    expect(sumMinor(ok.flatMap((r) => r.body.refund.reversals.map((l: { amount: string }) => l.amount)))).toBe(980);

    // The totals the API reads: 9.80 reversed, 0.20 still pending, 2.00 left to refund.
    const last = refunds.at(-1)!.position;
    const totals = await engine.call('GET', `${program.path(`/partners/${partner.id}`)}?minPosition=${last}`, undefined, program.key);
    expectStatus(totals, 200);
    expect(totals.body.commissionTotals).toEqual([
      expect.objectContaining({ currency: 'USD', pending: { count: 1, amount: '0.20' }, reversed: expect.objectContaining({ amount: '9.80' }) }),
    ]);
    const rest = await program.post(`/transactions/${tx.key}/refund`, {});
    expectStatus(rest, 200);
    expect(rest.body.refund).toMatchObject({ amount: '2.00', reversals: [{ amount: '0.20' }] });
  });

  it('approvals, a denial and refunds racing on one conversion: every answer is a decision, none a 409 concurrent_modification', async () => {
    const { tx } = await program.sale('100.00');
    const id = tx.conversion.id;
    const results = await racing([
      ...Array.from({ length: 8 }, () => ({ path: `/conversions/${id}/approve` })),
      { path: `/conversions/${id}/deny`, body: { reason: 'race' } },
      ...Array.from({ length: 8 }, () => ({ path: `/transactions/${tx.key}/refund`, body: { amount: '5.00' } })),
    ]);
    for (const r of results) expect(r.body?.code).not.toBe('concurrent_modification');
    const events = await eventsOf(`transaction-${program.id}.${tx.key}`);
    const decisions = events.filter((e) => e.type === 'ConversionApproved' || e.type === 'ConversionDenied');
    // Approve and deny exclude each other: exactly one of them is recorded, once.
    expect(decisions).toHaveLength(1);
    const approvals = results.slice(0, 8);
    const denial = results[8];
    if (decisions[0].type === 'ConversionApproved') {
      for (const r of approvals) expect(r.status).toBe(200);
      expect({ status: denial.status, code: denial.body.code }).toEqual({ status: 409, code: 'conversion_already_approved' });
    } else {
      expect(denial.status).toBe(200);
      for (const r of approvals) expect({ status: r.status, code: r.body.code }).toEqual({ status: 409, code: 'conversion_denied' });
    }
    for (const r of results.slice(9)) expect(r.status).toBe(200);
    expect(events.filter((e) => e.type === 'TransactionRefunded').at(-1)!.data.refundedTotalMinor).toBe(4000);
  });

  it('20 concurrent sales of one customer under a PAYMENTS plan: every sale lands, counted 1 … 20 once each', async () => {
    const counted = await newProgram(engine, { commission: { type: 'FLAT_RATE', amount: '1', duration: { type: 'PAYMENTS', count: 5 } } });
    const partner = await counted.partner();
    const customer = await counted.customer({ partner: { id: partner.id } });
    const results = await burst(
      Array.from({ length: 20 }, (_, i) => ({
        method: 'POST',
        url: engine.url + counted.path('/transactions'),
        headers: { authorization: `Bearer ${counted.key}`, 'content-type': 'application/json' },
        body: { customerKey: customer.key, amount: '10.00', key: `burst-${i}` },
      })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    const res = await engine.call('GET', `${counted.path('/events')}?stream=${encodeURIComponent(`purchases-${counted.id}.${customer.id}`)}`, undefined, counted.key);
    const numbers = String(res.body)
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).data.number as number);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // The first five purchases earn the flat commission, the rest nothing: five 1.00 lines in all.
    const paid = results.flatMap((r) => (r.body.conversion?.commissions ?? []) as { amount: string }[]).filter((c) => c.amount !== '0.00');
    expect(paid.map((c) => c.amount)).toEqual(Array(5).fill('1.00'));
  });
});
