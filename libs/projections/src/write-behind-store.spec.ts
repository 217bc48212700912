import { describe, expect, it, jest } from '@jest/globals';
import { SqliteReadStore, type StoredDoc } from '@partner-ledger/read-store';
import { WriteBehindStore } from './write-behind-store.js';

const NS = 'rm_2';
const doc = (id: string, pos: number, extra: Record<string, unknown> = {}): StoredDoc => ({ _id: id, pos, ...extra });

describe('the write-behind store of a rebuild', () => {
  it('holds changed documents until flushAfter of them, then writes them with the checkpoint', async () => {
    const store = SqliteReadStore.open(':memory:');
    const buffered = new WriteBehindStore(store, NS, { flushAfter: 3 });
    await buffered.commit(NS, 'partners', [{ collection: 'partners', doc: doc('a', 1) }], 1n);
    await buffered.commit(
      NS,
      'partners',
      [
        { collection: 'partners', doc: doc('a', 2, { n: 2 }) },
        { collection: 'partners', doc: doc('b', 2) },
      ],
      2n,
    );
    expect(await store.get(NS, 'partners', 'a')).toBeNull();
    expect((await store.getCheckpoint(NS, 'partners')).position).toBeNull();
    expect((await buffered.getCheckpoint(NS, 'partners')).position).toBe(2n);

    await buffered.commit(NS, 'partners', [{ collection: 'partners', doc: doc('c', 3) }], 3n);
    expect(await store.get(NS, 'partners', 'a')).toMatchObject({ _id: 'a', pos: 2, n: 2 });
    expect(await store.count(NS, 'partners')).toBe(3);
    expect((await store.getCheckpoint(NS, 'partners')).position).toBe(3n);
    await store.close();
  });

  it('answers what it holds without reading the store: written, removed, and found absent', async () => {
    const store = SqliteReadStore.open(':memory:');
    await store.commit(NS, 'p', [{ collection: 'c', doc: doc('stored', 1) }], 1n);
    const buffered = new WriteBehindStore(store, NS);
    const reads = jest.spyOn(store, 'getMany');
    await buffered.commit(
      NS,
      'p',
      [
        { collection: 'c', doc: doc('new', 2) },
        { collection: 'c', doc: doc('stored', 2), remove: true },
      ],
      2n,
    );
    expect([...(await buffered.getMany(NS, 'c', ['new', 'stored']))]).toEqual([['new', doc('new', 2)]]);
    expect(reads).not.toHaveBeenCalled();

    expect((await buffered.getMany(NS, 'c', ['nowhere'])).size).toBe(0);
    expect((await buffered.getMany(NS, 'c', ['nowhere'])).size).toBe(0);
    expect(reads).toHaveBeenCalledTimes(1);

    await buffered.flush();
    expect(await store.get(NS, 'c', 'stored')).toBeNull();
    expect(await store.get(NS, 'c', 'new')).toMatchObject({ _id: 'new', pos: 2 });
    await store.close();
  });

  it('holds at most maxDocs, writing what is pending before it lets any go; nothing is lost', async () => {
    const store = SqliteReadStore.open(':memory:');
    const buffered = new WriteBehindStore(store, NS, { maxDocs: 3 });
    for (let i = 1; i <= 10; i++) {
      await buffered.commit(NS, 'p', [{ collection: 'c', doc: doc(`d${i}`, i) }], BigInt(i));
      expect((buffered as unknown as { heldCount: number }).heldCount).toBeLessThanOrEqual(3);
      expect((buffered as unknown as { docs: Map<string, Map<string, unknown>> }).docs.get('c')?.size).toBeLessThanOrEqual(3);
    }
    // Let go, then read back from the store.
    expect(await buffered.getMany(NS, 'c', ['d1'])).toEqual(new Map([['d1', doc('d1', 1)]]));
    await buffered.flush();
    expect(await store.count(NS, 'c')).toBe(10);
    expect((await store.getCheckpoint(NS, 'p')).position).toBe(10n);
    await store.close();
  });

  it('lets go of a written document unused since the last pass before one that was used (second chance)', async () => {
    const store = SqliteReadStore.open(':memory:');
    const buffered = new WriteBehindStore(store, NS, { maxDocs: 4, flushAfter: 1 });
    const held = () => [...((buffered as unknown as { docs: Map<string, Map<string, unknown>> }).docs.get('c')?.keys() ?? [])];
    for (const id of ['a', 'b', 'c', 'd']) await buffered.commit(NS, 'p', [{ collection: 'c', doc: doc(id, 1) }], 1n);
    // Over maxDocs: a first pass clears every mark, a second lets go of the oldest down to 3 (nine tenths of 4).
    await buffered.commit(NS, 'p', [{ collection: 'c', doc: doc('e', 2) }], 2n);
    expect(held()).toEqual(['c', 'd', 'e']);
    // 'd' is used again; the next pass lets go of 'c' and 'e', unused since, and passes 'd' over.
    await buffered.getMany(NS, 'c', ['d']);
    await buffered.commit(NS, 'p', [{ collection: 'c', doc: doc('f', 3) }], 3n);
    await buffered.commit(NS, 'p', [{ collection: 'c', doc: doc('g', 4) }], 4n);
    expect(held()).toEqual(['d', 'f', 'g']);
    await buffered.flush();
    expect(await store.count(NS, 'c')).toBe(7);
    await store.close();
  });

  it('answers a document of a fresh collection it never wrote as absent without a read; one it wrote and let go, from the store', async () => {
    const store = SqliteReadStore.open(':memory:');
    const buffered = new WriteBehindStore(store, NS, { fresh: new Set(['c']), maxDocs: 2 });
    const reads = jest.spyOn(store, 'getMany');
    expect((await buffered.getMany(NS, 'c', ['never'])).size).toBe(0);
    expect(reads).not.toHaveBeenCalled();

    await buffered.commit(NS, 'p', [{ collection: 'c', doc: doc('kept', 1) }], 1n);
    await buffered.flush();
    // Two more documents push 'kept' (written, least recently used) out.
    await buffered.commit(
      NS,
      'p',
      [
        { collection: 'c', doc: doc('x', 2) },
        { collection: 'c', doc: doc('y', 2) },
      ],
      2n,
    );
    expect((buffered as unknown as { docs: Map<string, Map<string, unknown>> }).docs.get('c')?.has('kept')).toBe(false);
    expect(await buffered.getMany(NS, 'c', ['kept'])).toEqual(new Map([['kept', doc('kept', 1)]]));
    expect(reads).toHaveBeenCalledTimes(1);
    // Another collection is read as it always was.
    expect((await buffered.getMany(NS, 'other', ['never'])).size).toBe(0);
    expect(reads).toHaveBeenCalledTimes(2);
    await store.close();
  });

  it('refuses another namespace than its own', async () => {
    const store = SqliteReadStore.open(':memory:');
    const buffered = new WriteBehindStore(store, NS);
    await expect(buffered.getMany('rm_1', 'c', ['x'])).rejects.toThrow(/rm_2 asked for rm_1/);
    await store.close();
  });
});
