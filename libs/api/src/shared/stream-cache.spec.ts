import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Decider } from '@partner-ledger/domain';
import { type EventStore, type ReadStreamOptions, SqliteEventStore } from '@partner-ledger/event-store';
import type { CommandContext } from './command-context.js';
import { ReadSet, StreamCache } from './stream-cache.js';
import { StreamRunner } from './stream-runner.js';

// A toy decider: a stream of numbers; `Add` appends one, `Need` appends nothing and refuses below a sum.
type Added = { type: 'Added'; data: { n: number } };
// `CreateProgram` is here only for its retry policy (DECIDE_ONCE): a conflict it counts is a 409.
type Command = { type: 'Add' | 'CreateProgram'; n: number } | { type: 'Need'; atLeast: number };
const counter: Decider<Command, Added, { sum: number }> = {
  initialState: () => ({ sum: 0 }),
  evolve: (s, e) => ({ sum: s.sum + e.data.n }),
  decide: (c, s) => {
    if (c.type !== 'Need') return [{ type: 'Added', data: { n: c.n } }];
    if (s.sum < c.atLeast) throw new Error(`sum ${s.sum} below ${c.atLeast}`);
    return [];
  },
};
const other = { ...counter };
const ctx: CommandContext = { correlationId: 'c', source: 'api', actor: { type: 'ADMIN' } } as CommandContext;
const add = (n: number) => [{ type: 'Added', data: { n } }];

describe('StreamCache', () => {
  const entry = (revision: bigint | 'no_stream', sum = 0) => ({ state: { sum }, revision, position: 0n, fold: counter });

  it('holds at most its capacity, dropping the least recently used', () => {
    const cache = new StreamCache(2);
    cache.set('partner-a', entry(0n));
    cache.set('partner-b', entry(0n));
    expect(cache.get('partner-a', counter)).toBeDefined(); // a is now the most recent
    cache.set('partner-c', entry(0n));
    expect(cache.size).toBe(2);
    expect(cache.get('partner-b', counter)).toBeUndefined();
    expect(cache.get('partner-a', counter)).toBeDefined();
    expect(cache.get('partner-c', counter)).toBeDefined();
  });

  it('past its capacity drops the least recently used tenth at once, down to nine tenths', () => {
    const cache = new StreamCache(20);
    for (let i = 0; i < 20; i++) cache.set(`customer-${i}`, entry(0n));
    // 0 and 1 used again: 2, 3 and 4 are now the least recent.
    expect(cache.get('customer-0', counter)).toBeDefined();
    expect(cache.get('customer-1', counter)).toBeDefined();
    cache.set('customer-20', entry(0n));
    expect(cache.size).toBe(18);
    for (const gone of [2, 3, 4]) expect(cache.get(`customer-${gone}`, counter)).toBeUndefined();
    for (const kept of [0, 1, 5, 19, 20]) expect(cache.get(`customer-${kept}`, counter)).toBeDefined();
  });

  it('keeps only hot streams, nothing at capacity 0, and answers only the fold that made an entry', () => {
    const cache = new StreamCache(10);
    cache.set('transaction-p.k', entry(0n));
    expect(cache.size).toBe(0);
    cache.set('customer-p.c', entry(0n));
    expect(cache.get('customer-p.c', other)).toBeUndefined();
    const off = new StreamCache(0);
    off.set('customer-p.c', entry(0n));
    expect(off.size).toBe(0);
    expect(() => new StreamCache(-1)).toThrow();
  });

  it('keeps the further revision when two readers refresh at once; has() only for a stream with events', () => {
    const cache = new StreamCache(10);
    cache.set('partner-a', entry(3n, 3));
    cache.set('partner-a', entry(1n, 1));
    expect(cache.get<{ sum: number }>('partner-a', counter)?.state.sum).toBe(3);
    cache.set('partner-b', entry('no_stream'));
    expect(cache.has('partner-a')).toBe(true);
    expect(cache.has('partner-b')).toBe(false);
    cache.evict('partner-a');
    expect(cache.has('partner-a')).toBe(false);
  });

  it('a ReadSet expects every stream it read but the appended one, and knows which the cache answered', () => {
    const reads = new ReadSet(true);
    reads.record('partner-a', 2n, true);
    reads.record('unique-x', 'no_stream', false);
    reads.record('transaction-t', 'no_stream', false);
    expect(reads.expectations('transaction-t')).toEqual([
      { streamName: 'partner-a', revision: 2n },
      { streamName: 'unique-x', revision: 'no_stream' },
    ]);
    expect(reads.answeredFromCache('partner-a')).toBe(true);
    expect(reads.answeredFromCache('unique-x')).toBe(false);
    reads.record('partner-a', 3n, false);
    expect(reads.anyFromCache()).toBe(false);
  });
});

describe('StreamRunner with a stream cache, another writer on the same file', () => {
  let dir: string;
  let store: SqliteEventStore;
  let writer: SqliteEventStore;
  let reads: ReadStreamOptions[];
  let targetReads: number;
  let runner: StreamRunner;
  const hot = 'partner-prg_t.par_1';
  const target = 'transaction-prg_t.tx';

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pl-stream-cache-'));
    store = SqliteEventStore.open(join(dir, 'events.db'));
    // A second connection to the file: the other engine instance.
    writer = SqliteEventStore.open(join(dir, 'events.db'));
    reads = [];
    targetReads = 0;
    const counting: EventStore = Object.assign(Object.create(store) as EventStore, {
      readStream: (name: string, options?: ReadStreamOptions) => {
        if (name === hot) reads.push(options ?? {});
        if (name === target) targetReads++;
        return store.readStream(name, options);
      },
    });
    runner = new StreamRunner(counting, new StreamCache(100));
  });
  afterEach(async () => {
    await store.close();
    await writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a trusting decision takes a cached stream without reading it; a plain load reads only its tail', async () => {
    await writer.appendToStream(hot, add(5));
    expect((await runner.load(hot, counter)).state.sum).toBe(5);
    expect(reads).toHaveLength(1);

    const trusting = new ReadSet(true);
    expect(await runner.load(hot, counter, trusting)).toMatchObject({ state: { sum: 5 }, revision: 0n });
    expect(reads).toHaveLength(1);
    expect(trusting.answeredFromCache(hot)).toBe(true);

    await writer.appendToStream(hot, add(2));
    expect((await runner.load(hot, counter)).state.sum).toBe(7);
    expect(reads[1]).toEqual({ fromRevision: 1n });
  });

  it('a decision on a stale entry is refused by the store, the entry refreshed, and the command decided again on fresh state', async () => {
    await writer.appendToStream(hot, add(5));
    await runner.load(hot, counter);
    await writer.appendToStream(hot, add(-5), { expectedRevision: 0n }); // another process takes it back to 0

    const seen: number[] = [];
    const result = await runner.handle(
      target,
      counter,
      async (_state, r) => {
        const { state } = await runner.load(hot, counter, r);
        seen.push(state.sum);
        return { type: 'Add' as const, n: state.sum };
      },
      ctx,
    );
    // First on the cached 5 (refused: the partner stream moved), then on the fresh 0.
    expect(seen).toEqual([5, 0]);
    expect(result.events).toEqual(add(0));
    expect((await store.readStream(target)).map((e) => e.data.n)).toEqual([0]);
    expect(runner.cache.get<{ sum: number }>(hot, counter)).toMatchObject({ state: { sum: 0 }, revision: 1n });
  });

  it('a stale entry does not spend the retry policy: a command decided once still appends', async () => {
    await writer.appendToStream(hot, add(1));
    await runner.load(hot, counter);
    await writer.appendToStream(hot, add(1));
    const result = await runner.handle(hot, counter, { type: 'CreateProgram', n: 1 }, ctx);
    expect(result).toMatchObject({ state: { sum: 3 }, revision: 2n });
  });

  it('a refusal or a no-op is never decided on cached state alone', async () => {
    await writer.appendToStream(hot, add(1));
    await runner.load(hot, counter);
    await writer.appendToStream(hot, add(9));

    // Cached: 1 (would refuse); fresh: 10 (a no-op). Both decided on the target, which is the hot stream itself.
    const noOp = await runner.handle(hot, counter, { type: 'Need', atLeast: 10 }, ctx);
    expect(noOp).toMatchObject({ events: [], state: { sum: 10 }, revision: 1n });

    await writer.appendToStream(hot, add(-10));
    await expect(runner.handle(hot, counter, { type: 'Need', atLeast: 10 }, ctx)).rejects.toThrow('sum 0 below 10');
  });

  it('an append refreshes the entry of the stream it wrote', async () => {
    await runner.handle(hot, counter, { type: 'Add', n: 4 }, ctx);
    const before = reads.length;
    const trusting = new ReadSet(true);
    expect(await runner.load(hot, counter, trusting)).toMatchObject({ state: { sum: 4 }, revision: 0n });
    expect(reads).toHaveLength(before);
  });

  it('assumeNew: a command that creates its stream appends without reading it; where the stream exists, the store refuses and the command is decided again on a fresh read', async () => {
    const created = await runner.handle(target, counter, (state) => ({ type: 'Add' as const, n: state.sum + 1 }), ctx, { assumeNew: true });
    expect(created).toMatchObject({ events: add(1), revision: 0n });
    expect(targetReads).toBe(0);

    // Another process writes to it too: the second command's assumption is wrong twice over.
    await writer.appendToStream(target, add(10), { expectedRevision: 0n });
    const seen: number[] = [];
    const again = await runner.handle(
      target,
      counter,
      (state) => {
        seen.push(state.sum);
        return { type: 'Add' as const, n: 100 };
      },
      ctx,
      { assumeNew: true },
    );
    // First on the assumed empty stream (refused: it exists), then on the fresh 11.
    expect(seen).toEqual([0, 11]);
    expect(again).toMatchObject({ events: add(100), revision: 2n });
    expect(targetReads).toBe(1);
    expect((await store.readStream(target)).map((e) => e.data.n)).toEqual([1, 10, 100]);
  });

  it('assumeNew: a refusal or a no-op is not decided on the assumption alone, and an If-Match reads the stream', async () => {
    await writer.appendToStream(target, add(7));
    // Assumed empty, `Need 5` would refuse; on the fresh read (7) it is a no-op.
    const noOp = await runner.handle(target, counter, { type: 'Need', atLeast: 5 }, ctx, { assumeNew: true });
    expect(noOp).toMatchObject({ events: [], state: { sum: 7 }, revision: 0n });
    expect(targetReads).toBe(1);
    // The client's If-Match is checked against what the stream holds, never against an assumption.
    const pinned = await runner.handle(target, counter, { type: 'Add', n: 1 }, ctx, { assumeNew: true, expectedRevision: 0n });
    expect(pinned).toMatchObject({ events: add(1), revision: 1n });
    expect(targetReads).toBe(2);
  });
});
