import { describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventSubscription, RecordedEvent } from '../event-store.port.js';
import { SqliteEventStore } from './sqlite-event-store.js';

/**
 * The live tail of a subscription on the connection that appends: it takes the rows a commit wrote
 * instead of reading them back, and must hand out exactly what a read would have.
 */
describe('sqlite subscription: the rows of its own connection', () => {
  const withFile = async (fn: (file: string) => Promise<void>) => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-sub-'));
    try {
      await fn(join(dir, 'events.db'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  /** One store on a fresh file that polls too seldom to matter: what arrives came from its own commits. */
  const withStore = (fn: (store: SqliteEventStore) => Promise<void>) =>
    withFile(async (file) => {
      const store = SqliteEventStore.open(file, { pollIntervalMs: 60_000 });
      try {
        await fn(store);
      } finally {
        await store.close();
      }
    });

  /** The next `n` events of a subscription (fails the test after 5 s rather than hanging). */
  const take = async (sub: EventSubscription, n: number): Promise<RecordedEvent[]> => {
    const it = sub[Symbol.asyncIterator]();
    const out: RecordedEvent[] = [];
    const deadline = Date.now() + 5000;
    while (out.length < n) {
      // The timer is cleared once the race is decided: left pending (up to 5 s each, one per event),
      // they kept Jest's worker alive after its last file, which Jest then killed with a warning.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), Math.max(0, deadline - Date.now()))));
      const next = await Promise.race([it.next(), timeout]).finally(() => clearTimeout(timer));
      if (next === null) throw new Error(`only ${out.length} of ${n} events arrived`);
      if (next.done) break;
      out.push(next.value);
    }
    return out;
  };

  it('hands out the appended events without reading them back, equal to what a read returns', async () => {
    await withStore(async (store) => {
      await store.appendToStream('order-1', [{ type: 'Placed', data: { n: 0 } }]);
      const sub = store.subscribeToAll({ fromPosition: 'start' });
      // Caught up: the one event read, the log's end known.
      expect(await take(sub, 1)).toHaveLength(1);
      const reads = jest.spyOn(store, 'readAllSync');
      // One group commit of three appends (one turn), then one of a single append.
      await Promise.all([
        store.appendToStream('order-2', [{ type: 'Placed', data: { n: 1, amount: '10.50' } }]),
        store.appendToStream('order-3', [
          { type: 'Placed', data: { n: 2 } },
          { type: 'Paid', data: { n: 3 }, metadata: { correlationId: 'c-1' } },
        ]),
        store.appendToStream('order-4', [{ type: 'Placed', data: { n: 4 } }]),
      ]);
      await store.appendToStream('order-2', [{ type: 'Paid', data: { n: 5 } }]);
      const live = await take(sub, 5);
      expect(reads).not.toHaveBeenCalled();
      reads.mockRestore();
      expect(live).toEqual((await store.readAll({ fromPosition: 'start' })).slice(1));
      await sub.close();
    });
  });

  it('takes nothing of an append refused in the same group, and applies its filter as the read does', async () => {
    await withStore(async (store) => {
      await store.appendToStream('order-1', [{ type: 'Placed', data: {} }]);
      const sub = store.subscribeToAll({ fromPosition: 'start', filter: { streamPrefixes: ['order-'], eventTypes: ['Paid'] } });
      await sub.caughtUp;
      const results = await Promise.allSettled([
        store.appendToStream('order-1', [{ type: 'Paid', data: { n: 1 } }], { expectedRevision: 0n }),
        store.appendToStream('order-1', [{ type: 'Paid', data: { n: 2 } }], { expectedRevision: 0n }),
        store.appendToStream('refund-1', [{ type: 'Paid', data: { n: 3 } }]),
        store.appendToStream('order-2', [
          { type: 'Placed', data: { n: 4 } },
          { type: 'Paid', data: { n: 5 } },
        ]),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      const live = await take(sub, 2);
      expect(live.map((e) => [e.streamName, e.data])).toEqual([
        ['order-1', { n: 1 }],
        ['order-2', { n: 5 }],
      ]);
      expect(live).toEqual(await store.readAll({ fromPosition: 'start', filter: { streamPrefixes: ['order-'], eventTypes: ['Paid'] } }));
      await sub.close();
    });
  });

  it('reads what another connection wrote between its own commits: every event once, in order', async () => {
    await withFile(async (file) => {
      const own = SqliteEventStore.open(file, { pollIntervalMs: 20 });
      const other = SqliteEventStore.open(file, { pollIntervalMs: 20 });
      try {
        const sub = own.subscribeToAll({ fromPosition: 'start' });
        await sub.caughtUp;
        const received = take(sub, 40);
        for (let i = 0; i < 20; i++) {
          await own.appendToStream(`own-${i}`, [{ type: 'A', data: { i } }]);
          await other.appendToStream(`other-${i}`, [{ type: 'B', data: { i } }]);
        }
        const live = await received;
        expect(live.map((e) => e.position)).toEqual((await own.readAll({ fromPosition: 'start' })).map((e) => e.position));
        expect(new Set(live.map((e) => e.id)).size).toBe(40);
        await sub.close();
      } finally {
        await own.close();
        await other.close();
      }
    });
  });
});
