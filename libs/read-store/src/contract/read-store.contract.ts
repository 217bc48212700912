import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DURABLE, type ReadStore, type StoredDoc } from '../read-store.port.js';

export interface ReadStoreFixture {
  store: ReadStore;
  cleanup(): Promise<void>;
}

/** The executable definition of the read store port: every adapter runs it unchanged. */
export function readStoreContract(name: string, factory: () => Promise<ReadStoreFixture>): void {
  describe(`read store contract: ${name}`, () => {
    let fixture: ReadStoreFixture;
    let store: ReadStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => fixture?.cleanup());

    const ns = () => `t${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const doc = (id: string, pos: number, fields: Record<string, unknown> = {}): StoredDoc => ({ _id: id, pos, ...fields });

    it('commits documents and the checkpoint together; reads them back', async () => {
      const n = ns();
      expect(await store.getCheckpoint(n, 'p')).toMatchObject({ position: null });
      await store.commit(n, 'p', [{ collection: 'things', doc: doc('a', 3, { name: 'A', nested: { x: 1 } }) }], 3n);
      expect(await store.get(n, 'things', 'a')).toEqual({ _id: 'a', pos: 3, name: 'A', nested: { x: 1 } });
      expect(await store.get(n, 'things', 'missing')).toBeNull();
      const cp = await store.getCheckpoint(n, 'p');
      expect(cp.position).toBe(3n);
      expect(cp.updatedAt).toBeInstanceOf(Date);
      expect(await store.getCheckpoint(n, 'other')).toMatchObject({ position: null });
    });

    it('a document is replaced only by a later position: re-applying a batch changes nothing', async () => {
      const n = ns();
      await store.commit(n, 'p', [{ collection: 'c', doc: doc('a', 10, { v: 'new' }) }], 10n);
      await store.commit(
        n,
        'p',
        [
          { collection: 'c', doc: doc('a', 7, { v: 'old' }) },
          { collection: 'c', doc: doc('b', 7, { v: 'b' }) },
        ],
        7n,
      );
      expect(await store.get(n, 'c', 'a')).toMatchObject({ v: 'new', pos: 10 });
      expect(await store.get(n, 'c', 'b')).toMatchObject({ v: 'b' });
      await store.commit(n, 'p', [{ collection: 'c', doc: doc('a', 10, { v: 'same pos' }) }], 10n);
      expect(await store.get(n, 'c', 'a')).toMatchObject({ v: 'new' });
      await store.commit(n, 'p', [{ collection: 'c', doc: doc('a', 11, { v: 'newer' }) }], 11n);
      expect(await store.get(n, 'c', 'a')).toMatchObject({ v: 'newer', pos: 11 });
    });

    it('a commit removes a document only when its stored position is earlier, with the checkpoint', async () => {
      const n = ns();
      await store.commit(
        n,
        'p',
        [
          { collection: 'c', doc: doc('a', 5, { v: 'a' }) },
          { collection: 'c', doc: doc('b', 5, { v: 'b' }) },
        ],
        5n,
      );
      await store.commit(
        n,
        'p',
        [
          { collection: 'c', doc: { _id: 'a', pos: 8 }, remove: true },
          { collection: 'c', doc: doc('b', 8, { v: 'b2' }) },
        ],
        8n,
      );
      expect(await store.get(n, 'c', 'a')).toBeNull();
      expect(await store.get(n, 'c', 'b')).toMatchObject({ v: 'b2', pos: 8 });
      expect((await store.getCheckpoint(n, 'p')).position).toBe(8n);
      // A removal from an earlier position (a batch applied again) leaves a later document alone.
      await store.commit(n, 'p', [{ collection: 'c', doc: { _id: 'b', pos: 6 }, remove: true }], 8n);
      expect(await store.get(n, 'c', 'b')).toMatchObject({ v: 'b2' });
      // Removing what is not there is nothing.
      await store.commit(n, 'p', [{ collection: 'c', doc: { _id: 'zz', pos: 9 }, remove: true }], 9n);
      expect(await store.count(n, 'c')).toBe(1);
    });

    it("commitAll writes several projections' batches, each with its own checkpoint and the same guard as commit", async () => {
      const n = ns();
      await store.commit(n, 'first', [{ collection: 'c1', doc: doc('a', 10, { v: 'later' }) }], 10n);
      await store.commitAll(n, [
        {
          projection: 'first',
          writes: [
            { collection: 'c1', doc: doc('a', 7, { v: 'older' }) },
            { collection: 'c1', doc: doc('b', 12, { v: 'b' }) },
          ],
          position: 12n,
        },
        { projection: 'second', writes: [{ collection: 'c2', doc: doc('x', 12, { v: 'x' }) }], position: 12n },
        { projection: 'third', writes: [], position: 12n },
      ]);
      // An earlier position leaves the later document alone, as in commit.
      expect(await store.get(n, 'c1', 'a')).toMatchObject({ v: 'later', pos: 10 });
      expect(await store.get(n, 'c1', 'b')).toMatchObject({ v: 'b', pos: 12 });
      expect(await store.get(n, 'c2', 'x')).toMatchObject({ v: 'x', pos: 12 });
      for (const p of ['first', 'second', 'third']) expect((await store.getCheckpoint(n, p)).position).toBe(12n);
      await store.commitAll(n, []);
      expect(await store.count(n, 'c1')).toBe(2);
    });

    it('put writes unconditionally and delete removes', async () => {
      const n = ns();
      await store.put(n, 'config', doc('e1', 5, { url: 'https://a.example' }));
      await store.put(n, 'config', doc('e1', 1, { url: 'https://b.example' }));
      expect(await store.get(n, 'config', 'e1')).toEqual({ _id: 'e1', pos: 1, url: 'https://b.example' });
      expect(await store.delete(n, 'config', 'e1')).toBe(true);
      expect(await store.delete(n, 'config', 'e1')).toBe(false);
      expect(await store.get(n, 'config', 'e1')).toBeNull();
    });

    it('a durable put and delete write and remove as the plain ones do', async () => {
      const n = ns();
      await store.put(n, 'config', doc('e1', 0, { url: 'https://a.example' }), DURABLE);
      await store.put(n, 'config', doc('e1', 1, { url: 'https://b.example' }), DURABLE);
      expect(await store.get(n, 'config', 'e1')).toEqual({ _id: 'e1', pos: 1, url: 'https://b.example' });
      expect(await store.delete(n, 'config', 'e1', DURABLE)).toBe(true);
      expect(await store.delete(n, 'config', 'e1', DURABLE)).toBe(false);
      expect(await store.get(n, 'config', 'e1')).toBeNull();
    });

    it('replaceIf writes only over the expected pos (null: only a new document), and says whether it did', async () => {
      const n = ns();
      expect(await store.replaceIf(n, 'gates', doc('g', 1, { v: 'first' }), null)).toBe(true);
      expect(await store.replaceIf(n, 'gates', doc('g', 1, { v: 'second first' }), null)).toBe(false);
      expect(await store.replaceIf(n, 'gates', doc('g', 2, { v: 'stale' }), 0)).toBe(false);
      expect(await store.replaceIf(n, 'gates', doc('g', 2, { v: 'next' }), 1)).toBe(true);
      expect(await store.get(n, 'gates', 'g')).toEqual({ _id: 'g', pos: 2, v: 'next' });
      // Of many writers that read the same pos, exactly one wins.
      const wins = await Promise.all([0, 1, 2, 3, 4].map((i) => store.replaceIf(n, 'gates', doc('g', 3, { v: `w${i}` }), 2)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await store.get(n, 'gates', 'g')).toMatchObject({ pos: 3, v: `w${wins.indexOf(true)}` });
    });

    it('getMany returns the existing documents by id', async () => {
      const n = ns();
      await store.commit(
        n,
        'p',
        ['a', 'b', 'c'].map((id, i) => ({ collection: 'c', doc: doc(id, i + 1) })),
        3n,
      );
      const got = await store.getMany(n, 'c', ['a', 'c', 'zz', 'a']);
      expect([...got.keys()].sort()).toEqual(['a', 'c']);
    });

    describe('find', () => {
      const n = ns();
      beforeAll(async () => {
        const rows = [
          { id: 'p1', programId: 'x', status: 'ACTIVE', amount: 500, at: '2026-01-03T00:00:00.000Z', flag: true },
          { id: 'p2', programId: 'x', status: 'PENDING', amount: 100, at: '2026-01-01T00:00:00.000Z', flag: false },
          { id: 'p3', programId: 'x', status: 'ACTIVE', amount: 500, at: '2026-01-02T00:00:00.000Z', flag: true },
          { id: 'p4', programId: 'y', status: 'ACTIVE', amount: 900, at: '2026-01-04T00:00:00.000Z', flag: true },
          { id: 'p5', programId: 'x', status: 'ACTIVE', amount: 50, at: '2026-01-05T00:00:00.000Z', flag: true, nested: { k: 'v' } },
        ];
        await store.commit(
          n,
          'p',
          rows.map(({ id, ...f }, i) => ({ collection: 'partners', doc: doc(id, i + 1, f) })),
          5n,
        );
      });
      const ids = (docs: StoredDoc[]) => docs.map((d) => d._id);

      it('filters by equality (strings, booleans, dotted paths) and sorts with _id as tie-breaker', async () => {
        expect(ids(await store.find(n, 'partners', { where: { programId: 'x', status: 'ACTIVE' }, orderBy: [{ field: 'amount', direction: 'desc' }], limit: 10 }))).toEqual([
          'p1',
          'p3',
          'p5',
        ]);
        expect(ids(await store.find(n, 'partners', { where: { flag: false }, orderBy: [], limit: 10 }))).toEqual(['p2']);
        expect(ids(await store.find(n, 'partners', { where: { 'nested.k': 'v' }, orderBy: [], limit: 10 }))).toEqual(['p5']);
      });

      it('filters by a half-open range', async () => {
        const docs = await store.find(n, 'partners', {
          range: { field: 'at', gte: '2026-01-02T00:00:00.000Z', lt: '2026-01-04T00:00:00.000Z' },
          orderBy: [{ field: 'at', direction: 'asc' }],
          limit: 10,
        });
        expect(ids(docs)).toEqual(['p3', 'p1']);
      });

      it('pages with a keyset cursor: no document twice, none missed, in both directions', async () => {
        for (const direction of ['asc', 'desc'] as const) {
          const seen: string[] = [];
          let after: (string | number | boolean | null)[] | undefined;
          for (;;) {
            const page = await store.find(n, 'partners', { orderBy: [{ field: 'amount', direction }], after, limit: 2 });
            if (page.length === 0) break;
            seen.push(...ids(page));
            const last = page[page.length - 1];
            after = [last.amount as number, last._id];
          }
          const expected = direction === 'asc' ? ['p5', 'p2', 'p1', 'p3', 'p4'] : ['p4', 'p1', 'p3', 'p2', 'p5']; // ties on amount: _id ascending
          expect(seen).toEqual(expected);
        }
      });

      it('keeps sums past 2^53 exact as decimal strings, and orders strings byte by byte (what an amount order key relies on)', async () => {
        const m = ns();
        const sums = { s1: '9999999999999999', s2: '123456789012345678901234567890', s3: '900', s4: '1000' };
        await store.commit(
          m,
          'p',
          Object.entries(sums).map(([id, amount], i) => ({ collection: 'totals', doc: doc(id, i + 1, { approved: { amount } }) })),
          4n,
        );
        for (const [id, amount] of Object.entries(sums)) expect(((await store.get(m, 'totals', id))!.approved as { amount: string }).amount).toBe(amount);
        // As text "1000" < "123…" < "900" < "9999…": never numeric, so an amount is sorted by its order key.
        expect(ids(await store.find(m, 'totals', { orderBy: [{ field: 'approved.amount', direction: 'asc' }], limit: 10 }))).toEqual(['s4', 's2', 's3', 's1']);
      });

      it('an index, declared twice, changes no answer: equality, range and keyset pages read through it', async () => {
        const m = ns();
        await store.commit(
          m,
          'p',
          (await store.find(n, 'partners', { orderBy: [], limit: 10 })).map((d) => ({ collection: 'partners', doc: d })),
          5n,
        );
        const index = {
          name: 'by_program_at',
          fields: [
            { field: 'programId', direction: 'asc' as const },
            { field: 'at', direction: 'desc' as const },
          ],
        };
        await store.ensureIndex(m, 'partners', index);
        await store.ensureIndex(m, 'partners', index);
        const query = { where: { programId: 'x' }, range: { field: 'at', lt: '2026-01-05T00:00:00.000Z' }, orderBy: [{ field: 'at', direction: 'desc' as const }] };
        const seen: string[] = [];
        let after: (string | number | boolean | null)[] | undefined;
        for (;;) {
          const page = await store.find(m, 'partners', { ...query, after, limit: 1 });
          if (page.length === 0) break;
          seen.push(...ids(page));
          after = [page[0].at as string, page[0]._id];
        }
        expect(seen).toEqual(['p1', 'p3', 'p2']);
        expect(ids(await store.find(n, 'partners', { ...query, limit: 10 }))).toEqual(seen);
        await expect(store.ensureIndex(m, 'partners', { ...index, name: 'no spaces' })).rejects.toThrow('invalid index name');
      });

      it('counts and iterates a whole collection in _id order', async () => {
        expect(await store.count(n, 'partners')).toBe(5);
        const all: string[] = [];
        for await (const d of store.all(n, 'partners')) all.push(d._id);
        expect(all).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
      });
    });

    it('namespaces are isolated; activate swaps; the active one cannot be dropped', async () => {
      const a = ns();
      const b = ns();
      await store.commit(a, 'p', [{ collection: 'c', doc: doc('x', 1, { v: 'a' }) }], 1n);
      await store.commit(b, 'p', [{ collection: 'c', doc: doc('x', 1, { v: 'b' }) }], 1n);
      expect(await store.get(a, 'c', 'x')).toMatchObject({ v: 'a' });
      expect(await store.get(b, 'c', 'x')).toMatchObject({ v: 'b' });
      const previous = await store.activeNamespace();
      await store.activate(b);
      expect(await store.activeNamespace()).toBe(b);
      await expect(store.dropNamespace(b)).rejects.toThrow();
      await store.dropNamespace(a);
      expect(await store.get(a, 'c', 'x')).toBeNull();
      expect(await store.getCheckpoint(a, 'p')).toMatchObject({ position: null });
      expect(await store.listNamespaces()).toContain(b);
      await store.activate(previous);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
