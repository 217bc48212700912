import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { caughtUp, openDataDir, RandomHistory } from '@partner-ledger/testing';
import { startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { COMMISSION_TOTALS, CONVERSIONS, CUSTOMERS, InMemoryFold, PARTNERS, PROGRAM_TOTALS, PROJECTIONS } from './index.js';
import { compareNamespaces, deepEqual, nextNamespace, READ_MODEL_COLLECTIONS, rebuildReadModels } from './rebuild.js';
import { SqliteReadStore } from '@partner-ledger/read-store';

describe('rebuildReadModels on a history made by the real engine', () => {
  let engine: TestEngine;
  let data: ReturnType<typeof openDataDir>;
  let history: RandomHistory;

  beforeAll(async () => {
    engine = await startTestEngine();
    history = await RandomHistory.start(engine, 7);
    const other = await RandomHistory.start(engine, 8, { commission: { type: 'FLAT_RATE', amount: '2.50' } });
    await history.run(300);
    await other.run(60);
    data = openDataDir(engine.dataDir);
    await data.readSide.start();
    await caughtUp(data.readSide, data.events);
  }, 120_000);

  afterAll(async () => {
    await data?.close(data.readSide);
    await engine?.stop();
  });

  it('the history has approvals, denials, partial refunds and status changes', () => {
    expect(history.stats.commands).toBeGreaterThanOrEqual(250);
    expect(history.stats.statuses[200] + history.stats.statuses[201]).toBeGreaterThan(200);
    for (const action of ['partner', 'customer', 'sale', 'approve', 'deny', 'refund', 'status', 'details']) {
      expect([action, (history.stats.byAction[action] ?? 0) > 0]).toEqual([action, true]);
    }
    expect(history.transactions.some((t) => t.refundedMinor > 0 && t.refundedMinor < t.amountMinor)).toBe(true);
  });

  it('a rebuild produces read models identical to the live ones, compared document by document', async () => {
    const live = await data.store.activeNamespace();
    const counts = Object.fromEntries(await Promise.all(READ_MODEL_COLLECTIONS.map(async (c) => [c, await data.store.count(live, c)])));
    for (const c of [PARTNERS, CUSTOMERS, CONVERSIONS, COMMISSION_TOTALS, PROGRAM_TOTALS]) expect(counts[c]).toBeGreaterThan(0);

    const progress: number[] = [];
    const result = await rebuildReadModels(data.events, data.store, { batchSize: 97, onProgress: (done) => progress.push(done) });
    expect(result).toMatchObject({
      previous: live,
      namespace: `rm${Number(live.slice(2)) + 1}`,
      replayed: ['partners', 'conversions', 'payouts', 'approval-due', 'commission-daily'],
      carried: [],
    });
    expect(result.events).toBeGreaterThan(300);
    expect(progress.length).toBeGreaterThan(3);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(await data.store.activeNamespace()).toBe(result.namespace);

    const comparison = await compareNamespaces(data.store, live, result.namespace);
    expect(comparison.differences).toEqual([]);
    expect(comparison.equal).toBe(true);
    expect(comparison.documents).toEqual(counts);
    for (const p of PROJECTIONS) expect(comparison.checkpoints[p.name].a).toBe(comparison.checkpoints[p.name].b);

    // And both equal the fold of the whole log in memory (pos aside, which the fold does not set).
    const fold = new InMemoryFold(PROJECTIONS);
    for (const e of await data.events.readAll()) fold.apply(e);
    for (const c of READ_MODEL_COLLECTIONS) {
      for await (const doc of data.store.all(result.namespace, c)) {
        const { pos: _pos, ...rest } = doc;
        expect(deepEqual(rest, fold.get(c, doc._id))).toBe(true);
      }
    }
    // The engine's read side follows the swap.
    expect(await data.readSide.activeNamespace()).toBe(result.namespace);
  }, 60_000);

  it('rebuilding one projection carries the others over and still matches document by document', async () => {
    const before = await data.store.activeNamespace();
    const result = await rebuildReadModels(data.events, data.store, { projections: ['conversions'] });
    expect(result).toMatchObject({ previous: before, replayed: ['conversions'], carried: ['partners', 'payouts', 'approval-due', 'commission-daily'] });
    const comparison = await compareNamespaces(data.store, before, result.namespace);
    expect(comparison.differences).toEqual([]);
    expect(comparison.equal).toBe(true);
    await data.readSide.activeNamespace();
  }, 60_000);

  it('the old namespace keeps answering and following the log during a rebuild; the read side then moves to the new one', async () => {
    const old = await data.readSide.activeNamespace();
    await caughtUp(data.readSide, data.events);
    const partnerDocs = await data.store.count(old, PARTNERS);
    let during = 0;
    const result = await rebuildReadModels(data.events, data.store, {
      batchSize: 50,
      onProgress: () => void during++,
      beforeSwap: async () => {
        // The engine keeps working: new partners and sales land in the old namespace, which answers.
        const partner = await history.partner({ referrer: null, status: 'ACTIVE' });
        const customer = await history.customer(partner!);
        await history.sale(customer!, '80.00');
        await caughtUp(data.readSide, data.events);
        expect(await data.store.activeNamespace()).toBe(old);
        expect(await data.store.count(old, PARTNERS)).toBe(partnerDocs + 1);
        expect(await data.store.get(old, PARTNERS, `${history.programId}:${partner!.id}`)).toMatchObject({ conversionCount: 1 });
      },
    });
    expect(during).toBeGreaterThan(1);
    // Appended after the rebuild but before the read side noticed: applied to the old namespace
    // now, and to the new one from its checkpoints once the read side switches.
    await history.run(15);
    await caughtUp(data.readSide, data.events);
    expect(await data.readSide.activeNamespace()).toBe(result.namespace);
    // The engine runs a read side of its own on the same file: it must leave the old namespace too
    // (it would on its own within seconds; the test does not wait for that).
    expect(await engine.readSide.activeNamespace()).toBe(result.namespace);
    await caughtUp(data.readSide, data.events);
    await caughtUp(engine.readSide, data.events);
    const comparison = await compareNamespaces(data.store, old, result.namespace);
    expect(comparison.differences).toEqual([]);
    expect(comparison.equal).toBe(true);

    // From now on only the new namespace follows the log.
    await history.run(10);
    await caughtUp(data.readSide, data.events);
    const after = await compareNamespaces(data.store, old, result.namespace);
    expect(after.equal).toBe(false);
  }, 60_000);

  it('--drop-old removes the previous namespace after the swap', async () => {
    await data.readSide.stop(); // like an engine stopped for the drop
    const before = await data.store.activeNamespace();
    const result = await rebuildReadModels(data.events, data.store, { dropOld: true });
    expect(result.droppedPrevious).toBe(true);
    expect(await data.store.listNamespaces()).not.toContain(before);
    expect(await data.store.listNamespaces()).toContain(result.namespace);
    await data.readSide.start();
    await caughtUp(data.readSide, data.events);
  }, 60_000);
});

describe('compareNamespaces and nextNamespace', () => {
  it('reports documents only on one side and fields that differ, pos included', async () => {
    const store = SqliteReadStore.open(':memory:');
    const doc = (id: string, extra: Record<string, unknown> = {}) => ({ _id: id, pos: 3, name: 'x', nested: { a: 1, b: [1, 2] }, ...extra });
    await store.commit(
      'rm1',
      'partners',
      [
        { collection: PARTNERS, doc: doc('p:1') },
        { collection: PARTNERS, doc: doc('p:2') },
      ],
      3n,
    );
    await store.commit(
      'rm2',
      'partners',
      [
        { collection: PARTNERS, doc: { ...doc('p:2', { nested: { b: [1, 2], a: 1 } }) } },
        { collection: PARTNERS, doc: doc('p:3') },
      ],
      3n,
    );
    let result = await compareNamespaces(store, 'rm1', 'rm2', [PARTNERS], { projections: ['partners'] });
    expect(result.equal).toBe(false);
    expect(result.differences.map((d) => [d.kind, d.id])).toEqual([
      ['only-in-a', 'p:1'],
      ['only-in-b', 'p:3'],
    ]);
    // Key order inside objects does not matter; values do, pos too.
    await store.commit('rm2', 'partners', [{ collection: PARTNERS, doc: doc('p:1', { pos: 4, name: 'y' }) }], 4n);
    result = await compareNamespaces(store, 'rm1', 'rm2', [PARTNERS], { projections: ['partners'] });
    expect(result.differences.find((d) => d.id === 'p:1')).toMatchObject({ kind: 'different', fields: ['name', 'pos'] });
    expect(result.checkpoints).toEqual({ partners: { a: '3', b: '4' } });
    await store.close();
  });

  it('picks rm<N+1> above every namespace, the active one included', async () => {
    const store = SqliteReadStore.open(':memory:');
    expect(await nextNamespace(store)).toBe('rm2'); // rm1 is active even before it has documents
    await store.commit('rm7', 'partners', [], 1n);
    expect(await nextNamespace(store)).toBe('rm8');
    await store.activate('rm9');
    expect(await nextNamespace(store)).toBe('rm10');
    await store.close();
  });

  it('rebuilds an empty log into an empty, active namespace; refuses unknown projections', async () => {
    const events = SqliteEventStore.open(':memory:');
    const store = SqliteReadStore.open(':memory:');
    const result = await rebuildReadModels(events, store);
    expect(result).toMatchObject({ namespace: 'rm2', previous: 'rm1', events: 0, position: null });
    expect(await store.activeNamespace()).toBe('rm2');
    await expect(rebuildReadModels(events, store, { projections: ['nope'] })).rejects.toThrow(/unknown projection nope/);
    await events.close();
    await store.close();
  });
});
