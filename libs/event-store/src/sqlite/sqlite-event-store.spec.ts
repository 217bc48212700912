import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventStoreContract } from '../contract/event-store.contract.js';
import { SqliteEventStore } from './sqlite-event-store.js';

eventStoreContract('sqlite :memory:', async () => {
  const store = SqliteEventStore.open(':memory:');
  return { store, cleanup: () => store.close() };
});

eventStoreContract('sqlite file (WAL)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pl-es-'));
  const store = SqliteEventStore.open(join(dir, 'events.db'), { pollIntervalMs: 20 });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite event store: durability across processes', () => {
  it('a second connection on the same file sees appends, and its subscription picks them up by polling', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-es-'));
    const file = join(dir, 'events.db');
    const writer = SqliteEventStore.open(file);
    const reader = SqliteEventStore.open(file, { pollIntervalMs: 10 });
    try {
      const sub = reader.subscribeToAll({ fromPosition: 'start' });
      await sub.caughtUp;
      await writer.appendToStream('x-1', [{ type: 'A', data: { n: 1 } }]);
      const it = sub[Symbol.asyncIterator]();
      const first = await it.next();
      expect(first.value?.data).toEqual({ n: 1 });
      await sub.close();
      await writer.close();
      const reopened = SqliteEventStore.open(file);
      expect(await reopened.readStream('x-1')).toHaveLength(1);
      await reopened.close();
    } finally {
      await reader.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite event store: group commit', () => {
  const withStore = async (fn: (store: SqliteEventStore, file: string) => Promise<void>) => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-es-'));
    const file = join(dir, 'events.db');
    const store = SqliteEventStore.open(file);
    try {
      await fn(store, file);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('appends requested in one turn commit together, in call order; a refused one fails alone', async () => {
    await withStore(async (store) => {
      await store.appendToStream('taken', [{ type: 'A', data: {} }]);
      const requests = Array.from({ length: 30 }, (_, i) =>
        i === 7
          ? store.appendToStream('taken', [{ type: 'B', data: {} }], { expectedRevision: 'no_stream' })
          : store.appendToStream(
              `s-${i}`,
              [
                { type: 'A', data: { i } },
                { type: 'A', data: { i } },
              ],
              { expectedRevision: 'no_stream' },
            ),
      );
      const settled = await Promise.allSettled(requests);
      expect(settled[7]).toMatchObject({ status: 'rejected', reason: { name: 'WrongExpectedRevisionError' } });
      const positions = settled.filter((s, i) => i !== 7).map((s) => (s as PromiseFulfilledResult<{ position: bigint }>).value.position);
      // Call order, two events each, nothing in between: the refused append left no gap or row.
      positions.forEach((p, i) => i > 0 && expect(p - positions[i - 1]).toBe(2n));
      expect(await store.readStream('taken')).toHaveLength(1);
      expect((await store.readAll()).length).toBe(1 + 29 * 2);
    });
  });

  it('checks each expected revision against the appends before it in the same group', async () => {
    await withStore(async (store) => {
      const first = store.appendToStream('s', [{ type: 'A', data: {} }], { expectedRevision: 'no_stream' });
      const second = store.appendToStream('s', [{ type: 'B', data: {} }], { expectedRevision: 0n });
      const stale = store.appendToStream('s', [{ type: 'C', data: {} }], { expectedRevision: 0n });
      expect((await first).nextExpectedRevision).toBe(0n);
      expect((await second).nextExpectedRevision).toBe(1n);
      await expect(stale).rejects.toMatchObject({ name: 'WrongExpectedRevisionError' });
      expect((await store.readStream('s')).map((e) => e.type)).toEqual(['A', 'B']);
    });
  });

  it('a read sees every append requested before it, even one not yet answered', async () => {
    await withStore(async (store) => {
      const append = store.appendToStream('s', [{ type: 'A', data: {} }]);
      expect(await store.readStream('s')).toHaveLength(1);
      expect(await store.readAll()).toHaveLength(1);
      await append;
    });
  });

  it('close() writes and answers the appends already requested', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-es-'));
    const file = join(dir, 'events.db');
    try {
      const store = SqliteEventStore.open(file);
      const appends = Array.from({ length: 5 }, (_, i) => store.appendToStream(`s-${i}`, [{ type: 'A', data: {} }]));
      await store.close();
      expect((await Promise.all(appends)).map((r) => r.nextExpectedRevision)).toEqual([0n, 0n, 0n, 0n, 0n]);
      const reopened = SqliteEventStore.open(file);
      expect(await reopened.readAll()).toHaveLength(5);
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
