import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  conversionIdFor,
  type Decider,
  DomainError,
  type PartnerSnapshot,
  partnerDecider,
  type PartnerState,
  partnerStream,
  payoutDecider,
  payoutStream,
  programDecider,
  programStream,
  transactionDecider,
  transactionStream,
} from '@partner-ledger/domain';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { COMMISSION_TOTALS, totalsOf } from '@partner-ledger/projections';
import { BUCKETS, isZeroDifference, simulatePlan, simulateProgram, type Totals } from './simulate.js';
import { simulationJson, simulationTable } from './simulate-report.js';
import { caughtUp, DEFAULT_PLAN, openDataDir, RandomHistory } from '@partner-ledger/testing';

/** A tiny in-memory write side: the real deciders, events numbered in `$all` order. */
class Log {
  readonly events: RecordedEvent[] = [];
  private readonly states = new Map<string, unknown>();
  decide<C, E extends { type: string; data: unknown }, S>(decider: Decider<C, E, S>, stream: string, command: C): E[] {
    const state = (this.states.get(stream) as S | undefined) ?? decider.initialState();
    const events = decider.decide(command, state);
    let next = state;
    for (const e of events) {
      next = decider.evolve(next, e);
      const position = BigInt(this.events.length + 1);
      this.events.push({ id: `e${position}`, streamName: stream, revision: 0n, position, type: e.type, data: e.data, metadata: {}, created: new Date(1_700_000_000_000 + Number(position)) });
    }
    this.states.set(stream, next);
    return events;
  }
  state<S>(stream: string): S {
    return this.states.get(stream) as S;
  }
  async *[Symbol.asyncIterator]() {
    yield* this.events;
  }
}

const PID = 'prg_hand';
const CURRENT = { commission: { type: 'PERCENT_OF_SALE', amount: '10' }, tiers: [{ level: 2, amount: '5' }] };
const ALTERNATIVE = {
  commission: { type: 'PERCENT_OF_SALE', amount: '12' },
  tiers: [
    { level: 2, amount: '4' },
    { level: 3, amount: '1' },
  ],
};

/**
 * A ← B ← C (A referred B, B referred C). Sale 1 (100.00) by C's customer: approved, then 25.00
 * refunded. Then B is disabled and sale 2 (50.00) comes in: B forfeits its level; sale 2 is denied.
 * B is re-enabled afterwards, which changes nothing in the past.
 */
function handHistory(): Log {
  const log = new Log();
  log.decide(programDecider, programStream(PID), { type: 'CreateProgram', programId: PID, name: 'Hand', currency: 'USD', apiKeyHash: 'h', ...CURRENT });
  const snapshot = (id: string): PartnerSnapshot => {
    const s = log.state<Extract<PartnerState, { exists: true }>>(partnerStream(PID, id));
    return { partnerId: s.partnerId, status: s.status, referringPartnerId: s.referringPartnerId };
  };
  const partner = (id: string, referrer: string | null) =>
    log.decide(partnerDecider, partnerStream(PID, id), {
      type: 'CreatePartner',
      programId: PID,
      partnerId: id,
      key: id.toUpperCase(),
      email: `${id}@example.com`,
      name: id,
      referringPartner: referrer ? snapshot(referrer) : null,
    });
  partner('a', null);
  partner('b', 'a');
  partner('c', 'b');
  const program = { currency: 'USD', ...(CURRENT as { commission: { type: 'PERCENT_OF_SALE'; amount: string }; tiers: { level: number; amount: string }[] }) };
  const sale = (key: string, amount: string) =>
    log.decide(transactionDecider, transactionStream(PID, key), {
      type: 'CreateTransaction',
      programId: PID,
      transactionKey: key,
      amount,
      requestHash: key,
      program,
      customerId: 'cus_1',
      attribution: { source: 'customer', partner: snapshot('c') },
      chain: [snapshot('b'), snapshot('a')],
    });
  sale('t1', '100.00');
  log.decide(transactionDecider, transactionStream(PID, 't1'), { type: 'ApproveConversion' });
  log.decide(transactionDecider, transactionStream(PID, 't1'), { type: 'RefundTransaction', refundId: 'r1', amount: '25.00' });
  log.decide(partnerDecider, partnerStream(PID, 'b'), { type: 'ChangePartnerStatus', status: 'DISABLED' });
  sale('t2', '50.00');
  log.decide(transactionDecider, transactionStream(PID, 't2'), { type: 'DenyConversion', reason: 'fraud' });
  log.decide(partnerDecider, partnerStream(PID, 'b'), { type: 'ChangePartnerStatus', status: 'ACTIVE' });
  return log;
}

const totals = (t: Partial<Record<keyof Totals, [number, number]>>): Totals =>
  Object.fromEntries(BUCKETS.map((b) => [b, { count: t[b]?.[0] ?? 0, amount: BigInt(t[b]?.[1] ?? 0) }])) as Totals;

/** The four buckets the simulation compares (paid is a fact of the history, not priced). */
const withoutPaid = ({ pending, approved, denied, reversed }: Totals) => ({ pending, approved, denied, reversed });

describe('simulatePlan on a small hand-checked history', () => {
  it('the real deciders priced it as expected (the base of the hand check)', () => {
    const log = handHistory();
    const created = log.events.filter((e) => e.type === 'ConversionCreated').map((e) => e.data.commissions);
    expect(created).toEqual([
      [
        { partnerId: 'c', level: 1, amountMinor: 1000 },
        { partnerId: 'b', level: 2, amountMinor: 500 },
      ],
      [{ partnerId: 'c', level: 1, amountMinor: 500 }], // b disabled: forfeits level 2
    ]);
    expect(log.events.find((e) => e.type === 'TransactionRefunded')!.data.reversals).toEqual([
      { partnerId: 'c', level: 1, amountMinor: 250 },
      { partnerId: 'b', level: 2, amountMinor: 125 },
    ]);
  });

  it('knows payouts: what was paid is the same in both worlds, and each world has its balance (a negative one would be owed back)', async () => {
    const log = handHistory();
    const line = { conversionId: conversionIdFor('t1'), amountMinor: 750, claim: 0 };
    const now = new Date(1_800_000_000_000);
    const command = {
      type: 'CreatePayout' as const,
      programId: PID,
      payoutId: 'po_1',
      programCurrency: 'USD',
      now,
      actor: { type: 'ADMIN' as const },
      partnerIds: ['c'],
      lines: [{ ...line, partnerId: 'c', owedMinor: 750, approvedAt: now.toISOString() }],
    };
    log.decide(payoutDecider, payoutStream(PID, 'po_1'), command);
    log.decide(payoutDecider, payoutStream(PID, 'po_1'), { type: 'ConfirmPayout', confirmedBy: { type: 'ADMIN' }, now });
    const result = await simulatePlan(log, { programId: PID, currency: 'USD', plan: ALTERNATIVE });
    const byPartner = Object.fromEntries(result.partners.map((p) => [p.partnerId, p]));
    expect(byPartner.c).toMatchObject({ paid: { count: 1, amount: 750n }, balance: { actual: 0n, simulated: 150n } });
    expect(byPartner.b).toMatchObject({ paid: { count: 0, amount: 0n }, balance: { actual: 375n, simulated: 300n } });
    // The pricing itself is not moved by a payout.
    expect(byPartner.c.simulated).toEqual(totals({ approved: [1, 900], denied: [1, 600], reversed: [1, 300] }));
    expect(simulationJson(result).partners.find((p) => p.partnerId === 'c')).toMatchObject({ paid: { count: 1, amount: '7.50' }, balance: { today: '0.00', plan: '1.50' } });
  });

  it('under the current plan: no difference', async () => {
    const result = await simulatePlan(handHistory(), { programId: PID, currency: 'USD', plan: CURRENT });
    expect(isZeroDifference(result)).toBe(true);
    expect(result.partners.map((p) => p.partnerId)).toEqual(['b', 'c']);
    expect(result.conversions).toBe(2);
  });

  it('under 12% + level 2 4% + level 3 1%: the differences computed by hand', async () => {
    const result = await simulatePlan(handHistory(), { programId: PID, currency: 'USD', plan: ALTERNATIVE });
    const byPartner = Object.fromEntries(result.partners.map((p) => [p.partnerId, p]));
    // Today: c 10.00 + 5.00, b 5.00 (then disabled for sale 2), a nothing (no level 3).
    expect(byPartner.c.actual).toEqual(totals({ approved: [1, 750], denied: [1, 500], reversed: [1, 250] }));
    expect(byPartner.b.actual).toEqual(totals({ approved: [1, 375], reversed: [1, 125] }));
    expect(byPartner.a.actual).toEqual(totals({}));
    // Plan, sale 1 (100.00, approved, 25% refunded): c 12.00 − 3.00, b 4.00 − 1.00, a 1.00 − 0.25.
    // Plan, sale 2 (50.00, denied): c 6.00; b disabled at the time forfeits; a (level 3) 0.50.
    expect(byPartner.c.simulated).toEqual(totals({ approved: [1, 900], denied: [1, 600], reversed: [1, 300] }));
    expect(byPartner.b.simulated).toEqual(totals({ approved: [1, 300], reversed: [1, 100] }));
    expect(byPartner.a.simulated).toEqual(totals({ approved: [1, 75], denied: [1, 50], reversed: [1, 25] }));
    expect(byPartner.c.difference).toEqual(totals({ approved: [0, 150], denied: [0, 100], reversed: [0, 50] }));
    expect(byPartner.b.difference).toEqual(totals({ approved: [0, -75], reversed: [0, -25] }));
    expect(byPartner.a.difference).toEqual(totals({ approved: [1, 75], denied: [1, 50], reversed: [1, 25] }));
    expect(result.total).toEqual([
      {
        currency: 'USD',
        actual: totals({ approved: [2, 1125], denied: [1, 500], reversed: [2, 375] }),
        simulated: totals({ approved: [3, 1275], denied: [2, 650], reversed: [3, 425] }),
        difference: totals({ approved: [1, 150], denied: [1, 150], reversed: [1, 50] }),
      },
    ]);

    const table = simulationTable(result);
    expect(table).toMatch(/^a\s+USD\s+pending/m);
    expect(table).toMatch(/approved\s+0\s+1\s+0\.00\s+0\.75\s+\+0\.75/);
    expect(table).toContain('3 partner(s) with a difference.');
    expect(simulationJson(result).partners.find((p) => p.partnerId === 'b')).toMatchObject({
      today: { approved: { count: 1, amount: '3.75' } },
      plan: { approved: { count: 1, amount: '3.00' } },
      difference: { approved: { count: 0, amount: '-0.75' }, reversed: { amount: '-0.25' } },
    });
  });

  it('a flat-rate plan pays per conversion, whatever the amount', async () => {
    const result = await simulatePlan(handHistory(), { programId: PID, currency: 'USD', plan: { commission: { type: 'FLAT_RATE', amount: '2' } } });
    const c = result.partners.find((p) => p.partnerId === 'c')!;
    expect(c.simulated).toEqual(totals({ approved: [1, 150], denied: [1, 200], reversed: [1, 50] }));
    expect(result.partners.find((p) => p.partnerId === 'b')!.simulated).toEqual(totals({}));
  });

  it('refuses an invalid plan with the domain validation error', async () => {
    await expect(simulatePlan(handHistory(), { programId: PID, currency: 'USD', plan: { commission: { type: 'PERCENT_OF_SALE', amount: '150' } } })).rejects.toBeInstanceOf(DomainError);
    await expect(simulatePlan(handHistory(), { programId: PID, currency: 'USD', plan: { commission: { type: 'BOGUS', amount: '1' } } })).rejects.toThrow(/commission.type/);
  });

  it('ignores events of other programs', async () => {
    const log = handHistory();
    const foreign = log.events.map((e) => ({ ...e, position: e.position + 1000n, data: { ...e.data, programId: 'prg_other' } }));
    const events = {
      async *[Symbol.asyncIterator]() {
        yield* log.events;
        yield* foreign;
      },
    };
    const result = await simulatePlan(events, { programId: PID, currency: 'USD', plan: CURRENT });
    expect(result.conversions).toBe(2);
    expect(isZeroDifference(result)).toBe(true);
  });
});

describe('simulateProgram on randomized histories made by the real engine', () => {
  let engine: TestEngine;
  let data: ReturnType<typeof openDataDir>;
  let main: RandomHistory;
  let flat: RandomHistory;

  beforeAll(async () => {
    engine = await startTestEngine();
    main = await RandomHistory.start(engine, 11);
    flat = await RandomHistory.start(engine, 12, {
      commission: { type: 'FLAT_RATE', amount: '3.00' },
      tiers: [
        { level: 2, amount: '1.00' },
        { level: 4, amount: '0.10' },
      ],
    });
    // Interleaved, so each program's replay has to skip the other's events.
    for (let i = 0; i < 6; i++) {
      await main.run(50);
      await flat.run(20);
    }
    data = openDataDir(engine.dataDir);
    await data.readSide.start();
    await caughtUp(data.readSide, data.events);
  }, 120_000);

  afterAll(async () => {
    await data?.close(data.readSide);
    await engine?.stop();
  });

  it('simulating the current plan shows zero difference for every partner', async () => {
    for (const [history, plan] of [
      [main, DEFAULT_PLAN],
      [
        flat,
        {
          commission: { type: 'FLAT_RATE', amount: '3.00' },
          tiers: [
            { level: 2, amount: '1.00' },
            { level: 4, amount: '0.10' },
          ],
        },
      ],
    ] as const) {
      const result = await simulateProgram(data.events, history.programId, plan);
      expect(result.conversions).toBeGreaterThan(10);
      expect(result.partners.length).toBeGreaterThan(3);
      const nonZero = result.partners.filter((p) => BUCKETS.some((b) => p.difference[b].amount !== 0n || p.difference[b].count !== 0));
      expect(nonZero).toEqual([]);
      expect(isZeroDifference(result)).toBe(true);
      expect(simulationTable(result)).toContain('No difference for any partner.');
    }
  });

  it('"today" is what the live read models say', async () => {
    const result = await simulateProgram(data.events, main.programId, DEFAULT_PLAN);
    const ns = await data.store.activeNamespace();
    const live = await data.store.find(ns, COMMISSION_TOTALS, { where: { programId: main.programId }, orderBy: [{ field: 'partnerId', direction: 'asc' }], limit: 1000 });
    expect(live.map((d) => ({ partnerId: d.partnerId, currency: d.currency, ...withoutPaid(totalsOf(d)) }))).toEqual(
      result.partners.map((p) => ({ partnerId: p.partnerId, currency: p.currency, ...p.actual })),
    );
  });

  it('a richer plan pays more, and the difference adds up per bucket', async () => {
    const result = await simulateProgram(data.events, main.programId, {
      commission: { type: 'PERCENT_OF_SALE', amount: '20' },
      tiers: [
        { level: 2, amount: '10' },
        { level: 3, amount: '5' },
      ],
    });
    expect(isZeroDifference(result)).toBe(false);
    const [total] = result.total;
    for (const b of BUCKETS) {
      expect(total.difference[b].amount).toBe(total.simulated[b].amount - total.actual[b].amount);
      // Every rate is doubled, so every line doubles before rounding: within one minor unit per line.
      const off = total.simulated[b].amount - 2n * total.actual[b].amount;
      expect(off < 0n ? -off : off).toBeLessThanOrEqual(BigInt(2 * total.actual[b].count + 2 * total.simulated[b].count));
    }
    expect(total.simulated.pending.count).toBe(total.actual.pending.count);
    expect(total.simulated.approved.amount).toBeGreaterThan(total.actual.approved.amount);
  });

  it('an unknown program is an error naming it', async () => {
    await expect(simulateProgram(data.events, 'prg_nope', DEFAULT_PLAN)).rejects.toThrow('program prg_nope not found');
  });
});
