import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { DATABASE_FILE, STATE_FILE } from '@partner-ledger/config';
import { fold, loadMinor, type PayoutEvent, sumMinor, transactionDecider, type TransactionEvent } from '@partner-ledger/domain';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { SqliteEventStore } from '@partner-ledger/event-store';
import {
  COMMISSION_TOTALS,
  compareNamespaces,
  CONVERSIONS,
  CUSTOMERS,
  PARTNERS,
  PAYOUTS,
  PROGRAM_TOTALS,
  PROJECTIONS,
  ProjectionRunner,
  rebuildReadModels,
} from '@partner-ledger/projections';
import type { DocumentWrite, ReadStore, StoredDoc } from '@partner-ledger/read-store';
import { SqliteReadStore } from '@partner-ledger/read-store';
import { autoApprovalsSettled, head, MovableClock, RandomHistory } from '@partner-ledger/testing';
import { startTestEngine, type TestEngine } from '@partner-ledger/testing';

type Bucket = { count: number; amount: number };
type Buckets = Record<'pending' | 'approved' | 'denied' | 'reversed' | 'paid', Bucket> & { balance: number };
const empty = (): Buckets => ({
  pending: { count: 0, amount: 0 },
  approved: { count: 0, amount: 0 },
  denied: { count: 0, amount: 0 },
  reversed: { count: 0, amount: 0 },
  paid: { count: 0, amount: 0 },
  balance: 0,
});
const BUCKETS = ['pending', 'approved', 'denied', 'reversed', 'paid'] as const;
const COLLECTIONS = [PARTNERS, CUSTOMERS, CONVERSIONS, COMMISSION_TOTALS, PROGRAM_TOTALS, PAYOUTS];
const minor = (amount: string) => Math.round(Number(amount) * 100);
const money = (minor: number) => `${minor < 0 ? '-' : ''}${Math.floor(Math.abs(minor) / 100)}.${String(Math.abs(minor) % 100).padStart(2, '0')}`;

/**
 * Thousands of random commands through the real engine (sales, approvals, denials, reopenings,
 * refunds, plan changes, the engine's own approvals after a hold, payouts created, confirmed and
 * cancelled), then: the read models' totals (pending, approved, denied, reversed, paid, balance)
 * equal a recomputation from the event log that shares no code with the projections (the domain's
 * own `evolve` per transaction stream, and the payouts' events), to the cent, also after a rebuild;
 * and projections that crash mid-batch and restart end with exactly the documents of the ones that
 * never crashed.
 */
describe('conservation of commission, and projections that crash', () => {
  let engine: TestEngine;
  let history: RandomHistory;
  let events: SqliteEventStore;
  let all: RecordedEvent[];
  let live: string;

  beforeAll(async () => {
    // The program approves by itself after a day's hold, on a clock the test moves: commands run in
    // real time (no hold passes meanwhile, so the history's mix is what it is without the rule), and
    // each half of the history is followed by a day, in which the engine approves every conversion
    // still held (then people's approvals of them are no-ops, their denials refused). Payouts take
    // "now" (their default cut-off) from the same clock.
    const clock = new MovableClock(new Date(), { running: true });
    engine = await startTestEngine({ clock, env: { AUTO_APPROVAL_INTERVAL: '100ms' } });
    // Odd rates (7.5 %, 3.3333 %, 1 %) so rounding is exercised at every level; plan changes (rates,
    // durations, product rates) along the way.
    history = await RandomHistory.start(
      engine,
      7,
      {
        commission: { type: 'PERCENT_OF_SALE', amount: '7.5' },
        tiers: [
          { level: 2, amount: '3.3333' },
          { level: 3, amount: '1' },
        ],
        approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 1 },
      },
      'USD',
      { planChanges: true, clock },
    );
    for (let half = 0; half < 2; half++) {
      await history.run(2000, { payouts: true });
      clock.advanceDays(1);
      await autoApprovalsSettled(engine);
    }
    expect(history.stats.byAction.plan).toBeGreaterThan(10);
    expect(history.stats.byAction.coupon).toBeGreaterThan(0);
    expect(Object.keys(history.stats.statuses).some((status) => Number(status) >= 400)).toBe(true);
    events = SqliteEventStore.open(join(engine.dataDir, DATABASE_FILE));
    const res = await engine.call('GET', `/v1/programs/${history.programId}/partners?minPosition=${await head(events)}&limit=1`, undefined, history.apiKey);
    expect(res.status).toBe(200);
    all = await events.readAll();
    live = await engine.readSide.activeNamespace();
  }, 240_000);
  afterAll(async () => {
    await events?.close();
    await engine?.stop();
  });

  const payoutEvents = () => all.filter((e) => e.streamName.startsWith(`payout-${history.programId}.`)) as RecordedEvent<PayoutEvent>[];

  /** Per partner and for the program, from the events alone. */
  function recompute() {
    const pid = history.programId;
    const byStream = new Map<string, RecordedEvent[]>();
    for (const e of all) if (e.streamName.startsWith(`transaction-${pid}.`)) (byStream.get(e.streamName) ?? byStream.set(e.streamName, []).get(e.streamName)!).push(e);
    const perPartner = new Map<string, Buckets>();
    const program = empty();
    const add = (partnerId: string, bucket: (typeof BUCKETS)[number], amount: number, count = 1) => {
      for (const b of [perPartner.get(partnerId) ?? perPartner.set(partnerId, empty()).get(partnerId)!, program]) {
        b[bucket].count += count;
        b[bucket].amount += amount;
      }
    };
    let conversions = 0;
    for (const stream of byStream.values()) {
      const state = fold(
        transactionDecider,
        stream.map((e) => ({ type: e.type, data: e.data }) as TransactionEvent),
      );
      if (!state.exists || !state.conversion) continue;
      conversions++;
      const c = state.conversion;
      c.commissions.forEach((line, i) => add(line.partnerId, c.status.toLowerCase() as (typeof BUCKETS)[number], line.amountMinor - c.reversed[i]));
      c.commissions.forEach((line, i) => add(line.partnerId, 'reversed', c.reversed[i], 0));
      // Reversals are counted where they are made: by refunds, and by reopenings catching up refunds made while denied.
      for (const e of stream) if (e.type === 'TransactionRefunded' || e.type === 'ConversionReopened') for (const r of e.data.reversals) add(r.partnerId, 'reversed', 0, 1);
    }
    // Paid: what confirmed payouts paid, one count per commission line (clawbacks net off in the amount).
    for (const e of payoutEvents()) if (e.type === 'PayoutPaid') for (const item of e.data.items) add(item.partnerId, 'paid', Number(loadMinor(item.amountMinor)), item.lines.length);
    for (const b of [...perPartner.values(), program]) b.balance = b.approved.amount - b.paid.amount;
    return { perPartner, program, conversions };
  }

  it('the history has every kind of command: payouts paid and cancelled, clawbacks, the engine paid for its approvals', () => {
    const payouts = payoutEvents();
    const types = payouts.map((e) => e.type);
    expect(types.filter((t) => t === 'PayoutPaid').length).toBeGreaterThan(3);
    expect(types).toContain('PayoutCancelled');
    const created = payouts.flatMap((e) => (e.type === 'PayoutCreated' ? [e.data] : []));
    expect(created.flatMap((p) => p.items.flatMap((i) => i.lines)).filter((l) => l.amountMinor < 0).length).toBeGreaterThan(0);
    // Conversions the engine approved by its rule were paid like any other.
    const byEngine = new Set(
      all.filter((e) => e.type === 'ConversionApproved' && e.data.programId === history.programId && e.data.actor?.type === 'ENGINE').map((e) => e.data.conversionId as string),
    );
    const paidIds = new Set(payouts.flatMap((e) => (e.type === 'PayoutPaid' ? e.data.items.flatMap((i) => i.lines.map((l) => l.conversionId)) : [])));
    expect([...byEngine].filter((id) => paidIds.has(id)).length).toBeGreaterThan(0);
    expect(history.stats.byAction.plan).toBeGreaterThan(10);
    expect(all.filter((e) => e.type === 'ConversionReopened' && e.data.programId === history.programId).length).toBeGreaterThan(0);
    expect(all.filter((e) => e.type === 'TransactionRefunded' && e.data.programId === history.programId).length).toBeGreaterThan(0);
  });

  it('read-model totals (pending, approved, denied, reversed, paid, balance) equal an independent recomputation from the event log, to the cent', async () => {
    const pid = history.programId;
    const { perPartner: expected, program, conversions } = recompute();
    expect(conversions).toBeGreaterThan(400);
    const actual = new Map<string, Buckets>();
    let cursor: string | null = null;
    let programTotals: unknown;
    do {
      const res = await engine.call('GET', `/v1/programs/${pid}/commission-totals?limit=7${cursor ? `&cursor=${cursor}` : ''}`, undefined, history.apiKey);
      expect(res.status).toBe(200);
      programTotals = res.body.program;
      for (const t of res.body.items) {
        const buckets = empty();
        for (const k of BUCKETS) buckets[k] = { count: t[k].count, amount: minor(t[k].amount) };
        buckets.balance = minor(t.balance);
        expect(actual.has(t.partnerId)).toBe(false);
        actual.set(t.partnerId, buckets);
      }
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
    expect(programTotals).toEqual({
      currency: 'USD',
      ...Object.fromEntries(BUCKETS.map((k) => [k, { count: program[k].count, amount: money(program[k].amount) }])),
      balance: money(program.balance),
    });
    expect(program.paid.amount).toBeGreaterThan(0);
  });

  it('no commission line is in two draft or paid payouts, and no payout item is zero or negative', () => {
    const holder = new Map<string, string>();
    const cancelled = new Set(payoutEvents().flatMap((e) => (e.type === 'PayoutCancelled' ? [e.data.payoutId] : [])));
    for (const e of payoutEvents()) {
      if (e.type !== 'PayoutCreated') continue;
      for (const item of e.data.items) {
        expect(loadMinor(item.amountMinor)).toBeGreaterThan(0n);
        expect(loadMinor(item.amountMinor)).toBe(sumMinor(item.lines.map((line) => line.amountMinor)));
        if (cancelled.has(e.data.payoutId)) continue;
        for (const line of item.lines) {
          const settlement = `${line.conversionId}.${item.partnerId}.${line.claim}`;
          expect({ settlement, heldBy: holder.get(settlement) }).toEqual({ settlement, heldBy: undefined });
          holder.set(settlement, e.data.payoutId);
        }
      }
    }
    expect(holder.size).toBeGreaterThan(0);
  });

  async function runToEnd(store: ReadStore, ns: string) {
    for (const projection of PROJECTIONS) {
      const runner = new ProjectionRunner(events, store, projection, { namespace: ns, batchSize: 97 });
      await runner.start();
      expect(await runner.waitFor(all[all.length - 1].position, 60_000)).toBe(true);
      await runner.stop();
    }
  }

  async function documents(store: ReadStore, ns: string) {
    const out: Record<string, StoredDoc[]> = {};
    for (const c of COLLECTIONS) {
      out[c] = [];
      for await (const d of store.all(ns, c)) out[c].push(d);
    }
    return out;
  }

  it('a projection that crashes mid-batch and restarts counts nothing twice and misses nothing (SQLite: batch and checkpoint in one transaction)', async () => {
    const store = SqliteReadStore.open(':memory:');
    for (const projection of PROJECTIONS) {
      // An event this projection folds, some way into the log, inside a batch.
      const own = all.filter((e) => projection.eventTypes.includes(e.type));
      const crashAt = own[Math.floor(own.length * 0.6)].position;
      const crashing = new ProjectionRunner(events, store, projection, {
        namespace: 'crash',
        batchSize: 97,
        beforeApply: (e) => {
          if (e.position === crashAt) throw new Error('injected fault');
        },
      });
      await crashing.start();
      await expect(crashing.waitFor(all[all.length - 1].position, 1_000)).resolves.toBe(false);
      expect(crashing.error?.message).toBe('injected fault');
      await crashing.stop();
      const checkpoint = (await store.getCheckpoint('crash', projection.name)).position!;
      expect(checkpoint < crashAt).toBe(true);
    }
    await runToEnd(store, 'crash');
    const expected = await documents(engine.readSide.store, live);
    expect(await documents(store, 'crash')).toEqual(expected);
    await store.close();
  }, 120_000);

  it('a crash between the documents and the checkpoint (MongoDB-style commit) is re-applied without double counting', async () => {
    const inner = SqliteReadStore.open(':memory:');
    let crashes = 0;
    // Writes a batch's documents, then dies before its checkpoint: what a MongoDB commit can leave.
    const torn: ReadStore = Object.create(inner, {
      commit: {
        value: async (ns: string, projection: string, writes: DocumentWrite[], position: bigint) => {
          if (crashes < 3 && writes.length > 5) {
            crashes++;
            const previous = (await inner.getCheckpoint(ns, projection)).position;
            await inner.commit(ns, projection, writes, previous ?? 0n);
            throw new Error('crashed before the checkpoint');
          }
          return inner.commit(ns, projection, writes, position);
        },
      },
    });
    for (let attempt = 0; attempt < 5; attempt++) {
      for (const projection of PROJECTIONS) {
        const runner = new ProjectionRunner(events, torn, projection, { namespace: 'torn', batchSize: 211 });
        await runner.start();
        await runner.waitFor(all[all.length - 1].position, 1_000);
        await runner.stop();
      }
    }
    expect(crashes).toBe(3);
    expect(await documents(inner, 'torn')).toEqual(await documents(engine.readSide.store, live));
    await inner.close();
  }, 120_000);

  it('a rebuild of every read model gives the same documents, totals and payouts included', async () => {
    const store = SqliteReadStore.open(join(engine.dataDir, STATE_FILE));
    try {
      const result = await rebuildReadModels(events, store, { batchSize: 89 });
      const comparison = await compareNamespaces(store, live, result.namespace);
      expect(comparison.differences).toEqual([]);
      expect(comparison.equal).toBe(true);
    } finally {
      await store.close();
    }
  }, 120_000);
});
