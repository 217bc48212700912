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
