import { afterEach, describe, expect, it } from '@jest/globals';
import { type EventStore, SqliteEventStore } from '@partner-ledger/event-store';
import { type ProjectionCommit, SqliteReadStore, type StoredDoc } from '@partner-ledger/read-store';
import { PARTNERS, partnersProjection } from './partners.projection.js';
import { PROGRAM_TOTALS, conversionsProjection } from './conversions.projection.js';
import { ProjectionFeed } from './projection-feed.js';
import { ProjectionRunner } from './projection-runner.js';
import type { Projection } from './projection.js';

const program = (programId: string) => ({
  type: 'ProgramCreated',
  data: { programId, name: 'P', currency: 'USD', apiKeyHash: 'x', commission: { type: 'PERCENT_OF_SALE', amount: '10' }, tiers: [] },
});
const partner = (programId: string, partnerId: string) => ({
  type: 'PartnerCreated',
  data: { programId, partnerId, email: `${partnerId}@example.com`, name: partnerId, key: partnerId.toUpperCase(), status: 'ACTIVE', referringPartnerId: null, details: {} },
});

/** Several projections on one subscription: the catch-up of a long backlog reads and holds each event once. */
describe('ProjectionFeed', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function seeded(programs: number) {
    const events = SqliteEventStore.open(':memory:');
    const store = SqliteReadStore.open(':memory:');
    closers.push(
      () => events.close(),
      () => store.close(),
    );
    for (let i = 0; i < programs; i++) await events.appendToStream(`program-p${i}`, [program(`p${i}`)]);
    for (let i = 0; i < programs; i++) await events.appendToStream(`partner-p${i}.a`, [partner(`p${i}`, `a${i}`)]);
    return { events, store, head: (await events.readAll({ fromPosition: 'start' })).at(-1)!.position };
  }

  /** Counts the subscriptions opened on `events`. */
  function counting(events: EventStore) {
    const counter = { subscriptions: 0 };
    const wrapped: EventStore = Object.create(events, {
      subscribeToAll: {
        value: (...args: Parameters<EventStore['subscribeToAll']>) => {
          counter.subscriptions++;
          return events.subscribeToAll(...args);
        },
      },
    });
    return { wrapped, counter };
  }

  async function docs(store: SqliteReadStore, ns: string, collection: string) {
    const out: StoredDoc[] = [];
    for await (const d of store.all(ns, collection)) out.push(d);
    return out;
  }

  it('feeds each projection from its own checkpoint on one subscription, ending where separate runners end', async () => {
    const { events, store, head } = await seeded(40);
    // The partners projection is halfway already; the conversions projection starts from nothing.
    const half = (await events.readAll({ fromPosition: 'start', maxCount: 60 })).at(-1)!.position;
    const ahead = new ProjectionRunner(events, store, partnersProjection, { namespace: 'shared' });
    await ahead.applyBatch(await events.readAll({ fromPosition: 'start', maxCount: 60 }));
    expect((await store.getCheckpoint('shared', partnersProjection.name)).position).toBe(half);

    const { wrapped, counter } = counting(events);
    const runners = [partnersProjection, conversionsProjection].map((p) => new ProjectionRunner(wrapped, store, p, { namespace: 'shared' }));
    const feed = new ProjectionFeed(wrapped, store, runners, { batchSize: 7 });
    await feed.start();
    for (const r of runners) expect(await r.waitFor(head, 5_000)).toBe(true);
    await feed.stop();
    expect(counter.subscriptions).toBe(1);

    for (const p of [partnersProjection, conversionsProjection] as Projection[]) {
      const alone = new ProjectionRunner(events, store, p, { namespace: 'alone' });
      await alone.start();
      expect(await alone.waitFor(head, 5_000)).toBe(true);
      await alone.stop();
    }
    expect(await docs(store, 'shared', PARTNERS)).toEqual(await docs(store, 'alone', PARTNERS));
    expect((await docs(store, 'shared', PARTNERS)).length).toBe(40);
    expect(await docs(store, 'shared', PROGRAM_TOTALS)).toEqual(await docs(store, 'alone', PROGRAM_TOTALS));
  });

  it('a projection that fails stops alone: the others on the feed go on to the head', async () => {
    const { events, store, head } = await seeded(10);
    const failing = new ProjectionRunner(events, store, partnersProjection, {
      namespace: 'f',
      beforeApply: (e) => {
        if (e.type === 'PartnerCreated') throw new Error('injected fault');
      },
    });
    const healthy = new ProjectionRunner(events, store, conversionsProjection, { namespace: 'f' });
    const feed = new ProjectionFeed(events, store, [failing, healthy], { batchSize: 3 });
    await feed.start();
    expect(await healthy.waitFor(head, 5_000)).toBe(true);
    expect(await failing.waitFor(head, 200)).toBe(false);
    expect(failing.error?.message).toBe('injected fault');
    expect(healthy.error).toBeNull();
    // It stopped before the partner events: its checkpoint is below the first of them.
    expect((await store.getCheckpoint('f', partnersProjection.name)).position! < head).toBe(true);
    await feed.stop();
  });

  it('stop saves each checkpoint; a new feed resumes from them without applying anything twice', async () => {
    const { events, store, head } = await seeded(30);
    const first = [partnersProjection, conversionsProjection].map((p) => new ProjectionRunner(events, store, p, { namespace: 'r' }));
    const feed = new ProjectionFeed(events, store, first, { batchSize: 5 });
    await feed.start();
    await first[0].waitFor(head / 2n, 5_000);
    await feed.stop();
    const { wrapped } = counting(events);
    const applied: bigint[] = [];
    const second = [partnersProjection, conversionsProjection].map(
      (p) => new ProjectionRunner(wrapped, store, p, { namespace: 'r', beforeApply: (e) => p === partnersProjection && applied.push(e.position) }),
    );
    const again = new ProjectionFeed(wrapped, store, second, { batchSize: 5 });
    await again.start();
    for (const r of second) expect(await r.waitFor(head, 5_000)).toBe(true);
    await again.stop();
    expect(new Set(applied).size).toBe(applied.length);
    expect((await docs(store, 'r', PARTNERS)).length).toBe(30);
  });

  it("commits each batch of every projection together: one commitAll per batch, none of the store's single commits", async () => {
    const { events, store, head } = await seeded(12);
    const calls: { projections: string[]; positions: bigint[] }[] = [];
    let singles = 0;
    const recording = {
      commitAll: (ns: string, commits: readonly ProjectionCommit[]) => {
        calls.push({ projections: commits.map((c) => c.projection), positions: commits.map((c) => c.position) });
        return store.commitAll(ns, commits);
      },
    };
    const counted: SqliteReadStore = Object.create(store, {
      commit: {
        value: (...args: Parameters<SqliteReadStore['commit']>) => {
          singles++;
          return store.commit(...args);
        },
      },
    });
    const runners = [partnersProjection, conversionsProjection].map((p) => new ProjectionRunner(events, counted, p, { namespace: 'one' }));
    const feed = new ProjectionFeed(events, recording, runners, { batchSize: 5 });
    await feed.start();
    for (const r of runners) expect(await r.waitFor(head, 5_000)).toBe(true);
    await feed.stop();
    expect(singles).toBe(0);
    // 24 events in batches of 5: five batches, each committed once for both projections at its last position.
    expect(calls).toHaveLength(5);
    for (const call of calls) {
      expect(call.projections).toEqual([partnersProjection.name, conversionsProjection.name]);
      expect(call.positions[0]).toBe(call.positions[1]);
    }
    expect(calls.at(-1)!.positions[0]).toBe(head);
    expect((await docs(store, 'one', PARTNERS)).length).toBe(12);
    for (const p of [partnersProjection, conversionsProjection]) expect((await store.getCheckpoint('one', p.name)).position).toBe(head);
  });

  it('a commit the store refuses stops every projection in it, and moves no checkpoint', async () => {
    const { events, store, head } = await seeded(4);
    const refusing = {
      commitAll: async () => {
        throw new Error('disk full');
      },
    };
    const runners = [partnersProjection, conversionsProjection].map((p) => new ProjectionRunner(events, store, p, { namespace: 'refused' }));
    const feed = new ProjectionFeed(events, refusing, runners);
    await feed.start();
    for (const r of runners) expect(await r.waitFor(head, 200)).toBe(false);
    await feed.stop();
    for (const r of runners) expect(r.error?.message).toBe('disk full');
    for (const p of [partnersProjection, conversionsProjection]) expect((await store.getCheckpoint('refused', p.name)).position).toBeNull();
  });
});
