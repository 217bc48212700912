import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pagesOfAll } from '../batches.js';
import type { RecordedEvent } from '../event-store.port.js';
import { readAhead } from './read-ahead.js';
import { SqliteEventStore } from './sqlite-event-store.js';

/** This process's threads named `pl-read-ahead` (Linux names threads in /proc; elsewhere none are seen). */
function readAheadThreads(): number {
  try {
    return readdirSync('/proc/self/task').filter((t) => readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim() === 'pl-read-ahead').length;
  } catch {
    return 0;
  }
}

const positions = (pages: RecordedEvent[][]) => pages.flat().map((e) => e.position);

describe('sqlite event store: $all read ahead on a thread', () => {
  let dir: string;
  let file: string;
  let store: SqliteEventStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pl-read-ahead-'));
    file = join(dir, 'events.db');
    store = SqliteEventStore.open(file);
    // 19 events in 10 streams, one append each of 1–3 events.
    for (let i = 0; i < 10; i++) {
      await store.appendToStream(
        `s-${i}`,
        Array.from({ length: (i % 3) + 1 }, (_, n) => ({ type: 'T', data: { i, n, text: 'é'.repeat(i) }, metadata: { correlationId: `c${i}` } })),
      );
    }
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the pages readAll gives in a loop, whole, in order, from the start and after a position', async () => {
    const all = await store.readAll();
    expect(all).toHaveLength(19);
    for (const pageSize of [1, 3, 7, 20, 50]) {
      const ahead: RecordedEvent[][] = [];
      for await (const page of pagesOfAll(store, { pageSize, readAhead: true })) ahead.push(page);
      const looped: RecordedEvent[][] = [];
      for await (const page of pagesOfAll(store, { pageSize })) looped.push(page);
      expect(ahead).toEqual(looped);
      expect(ahead.every((p) => p.length <= pageSize)).toBe(true);
      expect(ahead.flat()).toEqual(all);
    }
    const after = all[6].position;
    const rest: RecordedEvent[][] = [];
    for await (const page of pagesOfAll(store, { pageSize: 4, after, readAhead: true })) rest.push(page);
    expect(positions(rest)).toEqual(all.slice(7).map((e) => e.position));
  });

  it('reads on a thread of its own, which is gone once the iteration ends or is left early', async () => {
    const pages = pagesOfAll(store, { pageSize: 2, readAhead: true })[Symbol.asyncIterator]();
    const first = await pages.next();
    expect(first.value).toHaveLength(2);
    if (process.platform === 'linux') expect(readAheadThreads()).toBe(1);
    await pages.return(undefined);
    expect(readAheadThreads()).toBe(0);

    let n = 0;
    for await (const page of pagesOfAll(store, { pageSize: 3, readAhead: true })) n += page.length;
    expect(n).toBe(19);
    expect(readAheadThreads()).toBe(0);
  });

  it('sees the appends requested before it starts (read-your-writes, as readAll)', async () => {
    const pending = store.appendToStream('late-1', [{ type: 'Late', data: {} }]);
    const seen: RecordedEvent[] = [];
    for await (const page of pagesOfAll(store, { pageSize: 8, readAhead: true })) seen.push(...page);
    await pending;
    expect(seen.at(-1)?.type).toBe('Late');
    expect(seen).toHaveLength(20);
  });

  it('sees what was committed by the time each page is read, as readAll in a loop does', async () => {
    const pages = pagesOfAll(store, { pageSize: 5, readAhead: true })[Symbol.asyncIterator]();
    const seen: RecordedEvent[] = [];
    seen.push(...(await pages.next()).value!);
    // Pages 2 and 3 may be read already; what is appended now comes in a later one.
    await store.appendToStream('late-2', [
      { type: 'Late', data: {} },
      { type: 'Late', data: {} },
    ]);
    for (let r = await pages.next(); !r.done; r = await pages.next()) seen.push(...r.value);
    expect(positions([seen])).toEqual([...new Set(positions([seen]))].sort((a, b) => (a < b ? -1 : 1)));
    expect(seen.filter((e) => e.type === 'Late')).toHaveLength(2);
  });

  it('an event store closed mid-read stops its thread and the iteration throws; close waits for the thread', async () => {
    const pages = pagesOfAll(store, { pageSize: 2, readAhead: true })[Symbol.asyncIterator]();
    await pages.next();
    await store.close();
    expect(readAheadThreads()).toBe(0);
    await expect(pages.next()).rejects.toThrow('its event store is closing');
    // The file is the store's again: nothing else holds it open (the directory goes cleanly).
    rmSync(dir, { recursive: true });
  });

  it('a file that cannot be read fails the iteration with the reason, and the thread ends', async () => {
    const missing = readAhead({ file: join(dir, 'missing.db'), after: null, pageSize: 10 });
    await expect(missing.next()).rejects.toThrow(/reading the log ahead: .*unable to open database file/);
    expect(readAheadThreads()).toBe(0);
    await expect(readAhead({ file, after: null, pageSize: 10, pagesAhead: 0 }).next()).rejects.toThrow('pagesAhead must be a positive integer');
  });

  it('a database in memory, or a filtered read, pages with readAll on the caller thread', async () => {
    const memory = SqliteEventStore.open(':memory:');
    try {
      await memory.appendToStream('m-1', [
        { type: 'A', data: {} },
        { type: 'B', data: {} },
      ]);
      const pages: RecordedEvent[][] = [];
      for await (const page of pagesOfAll(memory, { pageSize: 1, readAhead: true })) pages.push(page);
      expect(pages.map((p) => p.map((e) => e.type))).toEqual([['A'], ['B']]);
    } finally {
      await memory.close();
    }
    const filtered: RecordedEvent[] = [];
    for await (const page of pagesOfAll(store, { pageSize: 2, filter: { streamPrefixes: ['s-1'] }, readAhead: true })) filtered.push(...page);
    expect(readAheadThreads()).toBe(0);
    expect(filtered.map((e) => e.streamName)).toEqual(['s-1', 's-1']);
  });
});
