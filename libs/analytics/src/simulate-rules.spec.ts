import { describe, expect, it } from '@jest/globals';
import { type CreateTransaction, type Decider, partnerDecider, partnerStream, programDecider, programStream, transactionDecider, transactionStream } from '@partner-ledger/domain';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { BUCKETS, isZeroDifference, simulatePlan, type Totals } from './simulate.js';
import { describePlan, simulationJson, simulationTable } from './simulate-report.js';

/** The real deciders, events numbered in `$all` order and recorded at the log's clock. */
class Log {
  readonly events: RecordedEvent[] = [];
  private readonly states = new Map<string, unknown>();
  now = new Date('2026-01-01T00:00:00.000Z');
  decide<C, E extends { type: string; data: unknown }, S>(decider: Decider<C, E, S>, stream: string, command: C): void {
    let state = (this.states.get(stream) as S | undefined) ?? decider.initialState();
    for (const e of decider.decide(command, state)) {
      state = decider.evolve(state, e);
      const position = BigInt(this.events.length + 1);
      this.events.push({ id: `e${position}`, streamName: stream, revision: 0n, position, type: e.type, data: e.data, metadata: {}, created: this.now });
    }
    this.states.set(stream, state);
  }
  async *[Symbol.asyncIterator]() {
    yield* this.events;
  }
}

const PID = 'prg_rules';
const ONE_TIME = { commission: { type: 'PERCENT_OF_SALE', amount: '10', duration: { type: 'ONE_TIME' } }, tiers: [] };

/**
 * A program paying 10 % on a customer's first attributed purchase only; partner `a`.
 * 1 Jan: cus_1 buys `pro` for 100.00 (its first: 10.00, approved). 1 Feb: cus_1 buys 50.00 (its
 * second: no conversion, `commission_duration_ended`), 10.00 of it refunded. 1 Mar: cus_2 buys
 * `pro` for 200.00 (its first: 20.00, pending).
 */
function history(): Log {
  const log = new Log();
  log.decide(programDecider, programStream(PID), { type: 'CreateProgram', programId: PID, name: 'Rules', currency: 'USD', apiKeyHash: 'h', ...ONE_TIME });
  log.decide(partnerDecider, partnerStream(PID, 'a'), { type: 'CreatePartner', programId: PID, partnerId: 'a', key: 'A', email: 'a@example.com', name: 'A', referringPartner: null });
  const program: CreateTransaction['program'] = { currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10', duration: { type: 'ONE_TIME' } }, tiers: [] };
  const sale = (key: string, customerId: string, amount: string, number: number, firstAt: string, productId?: string) =>
    log.decide(transactionDecider, transactionStream(PID, key), {
      type: 'CreateTransaction',
      programId: PID,
      transactionKey: key,
      amount,
      productId,
      requestHash: key,
      program,
      customerId,
      attribution: { source: 'customer', partner: { partnerId: 'a', status: 'ACTIVE', referringPartnerId: null } },
      chain: [],
      purchase: { number, firstAt, at: log.now.toISOString() },
    });
  sale('t1', 'cus_1', '100.00', 1, '2026-01-01T00:00:00.000Z', 'pro');
  log.decide(transactionDecider, transactionStream(PID, 't1'), { type: 'ApproveConversion' });
  log.now = new Date('2026-02-01T00:00:00.000Z');
  sale('t2', 'cus_1', '50.00', 2, '2026-01-01T00:00:00.000Z');
  log.decide(transactionDecider, transactionStream(PID, 't2'), { type: 'RefundTransaction', refundId: 'r1', amount: '10.00' });
  log.now = new Date('2026-03-01T00:00:00.000Z');
  sale('t3', 'cus_2', '200.00', 1, '2026-03-01T00:00:00.000Z', 'pro');
  return log;
}

const totals = (t: Partial<Record<keyof Totals, [number, number]>>): Totals =>
  Object.fromEntries(BUCKETS.map((b) => [b, { count: t[b]?.[0] ?? 0, amount: BigInt(t[b]?.[1] ?? 0) }])) as Totals;
const simulate = async (plan: unknown, from?: Date) => {
  const result = await simulatePlan(history(), { programId: PID, currency: 'USD', plan, from });
  return { result, a: result.partners.find((p) => p.partnerId === 'a')! };
};

describe('simulatePlan with commission durations, product rates and a start date', () => {
  it('the history is what the deciders recorded: the second purchase earned nothing', () => {
    const recorded = history().events.filter((e) => e.type === 'TransactionRecorded');
    expect(recorded.map((e) => e.data.unattributedReason)).toEqual([null, 'commission_duration_ended', null]);
  });

  it("under the program's own ONE_TIME plan: no difference", async () => {
    const { result, a } = await simulate(ONE_TIME);
    expect(isZeroDifference(result)).toBe(true);
    expect(a.actual).toEqual(totals({ approved: [1, 1000], pending: [1, 2000] }));
  });

  it('LIFETIME would have paid the second purchase too (pending, as it was never reviewed), net of its refund', async () => {
    const { a } = await simulate({ commission: { type: 'PERCENT_OF_SALE', amount: '10' } });
    // t2: 5.00, 10.00 of 50.00 refunded → 1.00 taken back.
    expect(a.simulated).toEqual(totals({ approved: [1, 1000], pending: [2, 2400], reversed: [1, 100] }));
  });

  it('MONTHS 2 pays the purchase a month after the first; PAYMENTS 1 does not', async () => {
    expect((await simulate({ commission: { type: 'PERCENT_OF_SALE', amount: '10', duration: { type: 'MONTHS', count: 2 } } })).a.simulated.pending).toEqual({ count: 2, amount: 2400n });
    expect(
      (await simulate({ commission: { type: 'PERCENT_OF_SALE', amount: '10', duration: { type: 'PAYMENTS', count: 1 } } })).result.partners.every((p) =>
        BUCKETS.every((b) => p.difference[b].amount === 0n),
      ),
    ).toBe(true);
  });

  it("a product rate prices level 1 of that product's sales", async () => {
    const plan = { ...ONE_TIME, productRates: [{ productId: 'pro', type: 'FLAT_RATE', amount: '3' }] };
    const { result, a } = await simulate(plan);
    expect(a.simulated).toEqual(totals({ approved: [1, 300], pending: [1, 300] }));
    expect(describePlan(result.plan, 'USD')).toBe('percent of sale 10%, first purchase only, 1 product rate(s)');
  });

  it('"from this date forward": sales before it keep what they earned, later ones are priced under the plan', async () => {
    const from = new Date('2026-02-15T00:00:00.000Z');
    const lifetime20 = { commission: { type: 'PERCENT_OF_SALE', amount: '20' } };
    const { result, a } = await simulate(lifetime20, from);
    // t1 keeps its 10.00; t2 (before) stays without commission; t3 (after): 20 % of 200.00.
    expect(a.simulated).toEqual(totals({ approved: [1, 1000], pending: [1, 4000] }));
    expect(result.from).toEqual(from);
    expect(simulationTable(result)).toContain('from:  2026-02-15T00:00:00.000Z on (earlier sales keep what they earned)');
    expect(simulationJson(result).from).toBe('2026-02-15T00:00:00.000Z');
    // "For all customers" (no date): every sale under the plan.
    expect((await simulate(lifetime20)).a.simulated).toEqual(totals({ approved: [1, 2000], pending: [2, 4800], reversed: [1, 200] }));
  });
});
