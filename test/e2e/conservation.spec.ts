import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { DATABASE_FILE } from '@partner-ledger/config';
import { fold, transactionDecider, type TransactionEvent } from '@partner-ledger/domain';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { COMMISSION_TOTALS, CONVERSIONS, CUSTOMERS, PARTNERS, PROGRAM_TOTALS, PROJECTIONS, ProjectionRunner } from '@partner-ledger/projections';
import type { DocumentWrite, ReadStore, StoredDoc } from '@partner-ledger/read-store';
import { SqliteReadStore } from '@partner-ledger/read-store';
import { autoApprovalsSettled, head, MovableClock, RandomHistory } from '@partner-ledger/testing';
import { startTestEngine, type TestEngine } from '@partner-ledger/testing';

type Buckets = Record<'pending' | 'approved' | 'denied' | 'reversed', { count: number; amount: number }>;
const empty = (): Buckets => ({ pending: { count: 0, amount: 0 }, approved: { count: 0, amount: 0 }, denied: { count: 0, amount: 0 }, reversed: { count: 0, amount: 0 } });
const COLLECTIONS = [PARTNERS, CUSTOMERS, CONVERSIONS, COMMISSION_TOTALS, PROGRAM_TOTALS];

/**
 * Thousands of random commands through the real engine (reopenings included), then: the read models' totals equal a
 * recomputation from the event log that shares no code with the projections (the domain's own
 * `evolve` per transaction stream), to the cent; and projections that crash mid-batch and restart
 * end with exactly the documents of the ones that never crashed.
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
    // still held (then people's approvals of them are no-ops, their denials refused).
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
      await history.run(2000);
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
  }, 180_000);
  afterAll(async () => {
    await events?.close();
    await engine?.stop();
  });

  it('read-model totals equal an independent recomputation from the event log, to the cent', async () => {
    const pid = history.programId;
    const byStream = new Map<string, RecordedEvent[]>();
    for (const e of all) if (e.streamName.startsWith(`transaction-${pid}.`)) (byStream.get(e.streamName) ?? byStream.set(e.streamName, []).get(e.streamName)!).push(e);
    const expected = new Map<string, Buckets>();
    const program = empty();
    const add = (partnerId: string, bucket: keyof Buckets, amount: number, count = 1) => {
      const b = expected.get(partnerId) ?? expected.set(partnerId, empty()).get(partnerId)!;
      b[bucket].count += count;
      b[bucket].amount += amount;
      program[bucket].count += count;
      program[bucket].amount += amount;
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
      c.commissions.forEach((line, i) => add(line.partnerId, c.status.toLowerCase() as keyof Buckets, line.amountMinor - c.reversed[i]));
      c.commissions.forEach((line, i) => add(line.partnerId, 'reversed', c.reversed[i], 0));
      // Reversals are counted where they are made: by refunds, and by reopenings catching up refunds made while denied.
      for (const e of stream) if (e.type === 'TransactionRefunded' || e.type === 'ConversionReopened') for (const r of e.data.reversals) add(r.partnerId, 'reversed', 0, 1);
    }
    expect(conversions).toBeGreaterThan(400);
    expect(all.filter((e) => e.type === 'ConversionReopened' && e.data.programId === pid).length).toBeGreaterThan(0);
    // The engine's own approvals are among them.
    expect(all.filter((e) => e.type === 'ConversionApproved' && e.data.programId === pid && e.data.actor?.type === 'ENGINE').length).toBeGreaterThan(0);

    const actual = new Map<string, Buckets>();
    let cursor: string | null = null;
    let programTotals: unknown;
    do {
      const res = await engine.call('GET', `/v1/programs/${pid}/commission-totals?limit=7${cursor ? `&cursor=${cursor}` : ''}`, undefined, history.apiKey);
      expect(res.status).toBe(200);
      programTotals = res.body.program;
      for (const t of res.body.items) {
        const buckets = empty();
        for (const k of Object.keys(buckets) as (keyof Buckets)[]) buckets[k] = { count: t[k].count, amount: Math.round(Number(t[k].amount) * 100) };
        expect(actual.has(t.partnerId)).toBe(false);
        actual.set(t.partnerId, buckets);
      }
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
    const money = (minor: number) => `${minor < 0 ? '-' : ''}${Math.floor(Math.abs(minor) / 100)}.${String(Math.abs(minor) % 100).padStart(2, '0')}`;
    expect(programTotals).toEqual({
      currency: 'USD',
      pending: { count: program.pending.count, amount: money(program.pending.amount) },
      approved: { count: program.approved.count, amount: money(program.approved.amount) },
      denied: { count: program.denied.count, amount: money(program.denied.amount) },
      reversed: { count: program.reversed.count, amount: money(program.reversed.amount) },
      paid: { count: 0, amount: '0.00' },
      balance: money(program.approved.amount),
    });
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
});
