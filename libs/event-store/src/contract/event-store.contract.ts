import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { type AllFilter, type EventStore, matchesFilter, type NewEvent, type RecordedEvent } from '../event-store.port.js';
import { WrongExpectedRevisionError } from '../expected-revision.js';
import { pagesOfAll } from '../batches.js';

export interface EventStoreFixture {
  store: EventStore;
  cleanup(): Promise<void>;
}

/**
 * The executable definition of the event store port: every adapter runs this suite unchanged.
 * Streams get unique names per test so the suite also runs against a shared, non-empty server.
 */
export function eventStoreContract(name: string, factory: () => Promise<EventStoreFixture>): void {
  describe(`event store contract: ${name}`, () => {
    let fixture: EventStoreFixture;
    let store: EventStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.cleanup();
    });

    const unique = (category = 'test') => `${category}${randomUUID().replaceAll('-', '').slice(0, 12)}-${randomUUID()}`;
    const ev = (type: string, n: number): NewEvent => ({ type, data: { n }, metadata: { correlationId: `c${n}` } });

    describe('append', () => {
      it('starts revisions at 0 and returns the position of the last event', async () => {
        const s = unique();
        const r1 = await store.appendToStream(s, [ev('A', 1), ev('B', 2)], { expectedRevision: 'no_stream' });
        expect(r1.nextExpectedRevision).toBe(1n);
        const read = await store.readStream(s);
        expect(read.map((e) => e.revision)).toEqual([0n, 1n]);
        expect(read[1].position).toBe(r1.position);
        expect(read[0].position < read[1].position).toBe(true);
      });

      it('keeps type, data, metadata and id', async () => {
        const s = unique();
        const id = randomUUID();
        await store.appendToStream(s, [{ id, type: 'Thing', data: { a: 'x', nested: { b: [1, 2] } }, metadata: { correlationId: 'cid', source: 'api' } }]);
        const [e] = await store.readStream(s);
        expect(e).toMatchObject({ id, streamName: s, type: 'Thing', data: { a: 'x', nested: { b: [1, 2] } } });
        expect(e.metadata).toMatchObject({ correlationId: 'cid', source: 'api' });
        expect(e.created).toBeInstanceOf(Date);
        expect(Math.abs(e.created.getTime() - Date.now())).toBeLessThan(60_000);
      });

      it('no_stream: succeeds on a new stream, conflicts on an existing one', async () => {
        const s = unique();
        await store.appendToStream(s, [ev('A', 1)], { expectedRevision: 'no_stream' });
        const err = await store.appendToStream(s, [ev('A', 2)], { expectedRevision: 'no_stream' }).catch((e) => e);
        expect(err).toBeInstanceOf(WrongExpectedRevisionError);
        expect(err).toMatchObject({ streamName: s, actual: 0n });
      });

      it('stream_exists: conflicts on a missing stream, succeeds on an existing one', async () => {
        const s = unique();
        const err = await store.appendToStream(s, [ev('A', 1)], { expectedRevision: 'stream_exists' }).catch((e) => e);
        expect(err).toBeInstanceOf(WrongExpectedRevisionError);
        expect(err).toMatchObject({ actual: 'no_stream' });
        await store.appendToStream(s, [ev('A', 1)]);
        const r = await store.appendToStream(s, [ev('A', 2)], { expectedRevision: 'stream_exists' });
        expect(r.nextExpectedRevision).toBe(1n);
      });

      it('exact revision: succeeds when it matches, conflicts with the actual revision otherwise', async () => {
        const s = unique();
        await store.appendToStream(s, [ev('A', 1), ev('A', 2)]);
        const ok = await store.appendToStream(s, [ev('A', 3)], { expectedRevision: 1n });
        expect(ok.nextExpectedRevision).toBe(2n);
        const err = await store.appendToStream(s, [ev('A', 4)], { expectedRevision: 1n }).catch((e) => e);
        expect(err).toBeInstanceOf(WrongExpectedRevisionError);
        expect(err).toMatchObject({ expected: 1n, actual: 2n });
        const missing = await store.appendToStream(unique(), [ev('A', 1)], { expectedRevision: 0n }).catch((e) => e);
        expect(missing).toMatchObject({ actual: 'no_stream' });
      });

      it('any: always appends', async () => {
        const s = unique();
        await store.appendToStream(s, [ev('A', 1)], { expectedRevision: 'any' });
        const r = await store.appendToStream(s, [ev('A', 2)], { expectedRevision: 'any' });
        expect(r.nextExpectedRevision).toBe(1n);
      });

      it('a refused append writes nothing', async () => {
        const s = unique();
        await store.appendToStream(s, [ev('A', 1)]);
        await store.appendToStream(s, [ev('A', 2), ev('A', 3)], { expectedRevision: 5n }).catch(() => undefined);
        expect((await store.readStream(s)).map((e) => e.data.n)).toEqual([1]);
      });

      it('of concurrent appends at the same expected revision, exactly one wins', async () => {
        const s = unique();
        await store.appendToStream(s, [ev('A', 0)]);
        const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.appendToStream(s, [ev('A', i + 1)], { expectedRevision: 0n })));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results.filter((r) => r.status === 'rejected')) {
          expect((r as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
        }
        expect(await store.readStream(s)).toHaveLength(2);
      });

      it('alsoExpected: appends while every other stream read is where it was read, refuses naming the first that moved', async () => {
        const target = unique();
        const read = unique();
        const missing = unique();
        await store.appendToStream(read, [ev('A', 1), ev('A', 2)]);
        const ok = await store.appendToStream(target, [ev('T', 1)], {
          expectedRevision: 'no_stream',
          alsoExpected: [
            { streamName: read, revision: 1n },
            { streamName: missing, revision: 'no_stream' },
          ],
        });
        expect(ok.nextExpectedRevision).toBe(0n);

        await store.appendToStream(read, [ev('A', 3)]);
        const moved = await store.appendToStream(target, [ev('T', 2)], { expectedRevision: 0n, alsoExpected: [{ streamName: read, revision: 1n }] }).catch((e) => e);
        expect(moved).toBeInstanceOf(WrongExpectedRevisionError);
        expect(moved).toMatchObject({ streamName: read, expected: 1n, actual: 2n });

        await store.appendToStream(missing, [ev('M', 1)]);
        const created = await store.appendToStream(target, [ev('T', 2)], { expectedRevision: 0n, alsoExpected: [{ streamName: missing, revision: 'no_stream' }] }).catch((e) => e);
        expect(created).toMatchObject({ streamName: missing, expected: 'no_stream', actual: 0n });
        // Refused appends wrote nothing.
        expect((await store.readStream(target)).map((e) => e.data.n)).toEqual([1]);
      });
    });

    describe('read a stream', () => {
      let s: string;
      beforeAll(async () => {
        s = unique();
        await store.appendToStream(
          s,
          [0, 1, 2, 3, 4].map((n) => ev('N', n)),
        );
      });

      it('forwards from the start, from a revision, with a max count', async () => {
        expect((await store.readStream(s)).map((e) => e.data.n)).toEqual([0, 1, 2, 3, 4]);
        expect((await store.readStream(s, { fromRevision: 2n })).map((e) => e.data.n)).toEqual([2, 3, 4]);
        expect((await store.readStream(s, { fromRevision: 1n, maxCount: 2 })).map((e) => e.data.n)).toEqual([1, 2]);
      });

      it('backwards from the end and from a revision', async () => {
        expect((await store.readStream(s, { direction: 'backwards' })).map((e) => e.data.n)).toEqual([4, 3, 2, 1, 0]);
        expect((await store.readStream(s, { direction: 'backwards', fromRevision: 2n })).map((e) => e.data.n)).toEqual([2, 1, 0]);
        expect((await store.readStream(s, { direction: 'backwards', maxCount: 1 })).map((e) => e.data.n)).toEqual([4]);
      });

      it('a missing stream reads as empty', async () => {
        expect(await store.readStream(unique())).toEqual([]);
        expect(await store.readStream(unique(), { direction: 'backwards' })).toEqual([]);
      });
    });

    describe('read $all', () => {
      const category = `all${randomUUID().replaceAll('-', '').slice(0, 10)}`;
      let first: bigint;
      let written: RecordedEvent[];
      beforeAll(async () => {
        const a = `${category}a-1`;
        const b = `${category}b-1`;
        const r1 = await store.appendToStream(a, [ev('Alpha', 1), ev('Beta', 2)]);
        await store.appendToStream(b, [ev('Alpha', 3)]);
        await store.appendToStream(a, [ev('Gamma', 4)]);
        const firstOfA = await store.readStream(a, { maxCount: 1 });
        first = firstOfA[0].position;
        expect(first < r1.position).toBe(true);
        written = await store.readAll({ fromPosition: first, filter: { streamPrefixes: [category] } });
      });

      it('forwards from a position is inclusive and in write order', async () => {
        expect(written.map((e) => e.data.n)).toEqual([1, 2, 3, 4]);
        for (let i = 1; i < written.length; i++) expect(written[i - 1].position < written[i].position).toBe(true);
        const fromSecond = await store.readAll({ fromPosition: written[1].position, filter: { streamPrefixes: [category] } });
        expect(fromSecond.map((e) => e.data.n)).toEqual([2, 3, 4]);
      });

      it('backwards from a position is exclusive, newest first', async () => {
        const back = await store.readAll({ direction: 'backwards', fromPosition: written[3].position, filter: { streamPrefixes: [category] } });
        expect(back.map((e) => e.data.n)).toEqual([3, 2, 1]);
        const newest = await store.readAll({ direction: 'backwards', maxCount: 1 });
        expect(newest).toHaveLength(1);
      });

      it('filters by stream prefix', async () => {
        const onlyB = await store.readAll({ fromPosition: first, filter: { streamPrefixes: [`${category}b-`] } });
        expect(onlyB.map((e) => e.data.n)).toEqual([3]);
        const both = await store.readAll({ fromPosition: first, filter: { streamPrefixes: [`${category}b-`, `${category}a-`] } });
        expect(both.map((e) => e.data.n)).toEqual([1, 2, 3, 4]);
      });

      it('filters by event type, alone and with a prefix', async () => {
        const alphas = await store.readAll({ fromPosition: first, filter: { eventTypes: ['Alpha'] } });
        expect(alphas.filter((e) => e.streamName.startsWith(category)).map((e) => e.data.n)).toEqual([1, 3]);
        const mixed = await store.readAll({ fromPosition: first, filter: { streamPrefixes: [category], eventTypes: ['Gamma', 'Beta'] } });
        expect(mixed.map((e) => e.data.n)).toEqual([2, 4]);
      });

      it('maxCount counts events returned', async () => {
        const two = await store.readAll({ fromPosition: first, maxCount: 2, filter: { streamPrefixes: [category], eventTypes: ['Alpha', 'Gamma'] } });
        expect(two.map((e) => e.data.n)).toEqual([1, 3]);
      });

      it('pages read ahead (readAllAhead, where the store has it) are the pages readAll gives', async () => {
        const after = first - 1n;
        const looped: RecordedEvent[][] = [];
        for await (const page of pagesOfAll(store, { pageSize: 2, after })) looped.push(page);
        const ahead: RecordedEvent[][] = [];
        for await (const page of pagesOfAll(store, { pageSize: 2, after, readAhead: true })) ahead.push(page);
        expect(ahead).toEqual(looped);
        expect(
          ahead
            .flat()
            .filter((e) => e.streamName.startsWith(category))
            .map((e) => e.data.n),
        ).toEqual([1, 2, 3, 4]);
      });
    });

    describe('count $all', () => {
      it('counts the events from a position up to a limit, and says when the first was written', async () => {
        const stream = `count${randomUUID().replaceAll('-', '').slice(0, 10)}-1`;
        const appended = await store.appendToStream(stream, [ev('Alpha', 1), ev('Beta', 2), ev('Gamma', 3)]);
        const [first] = await store.readStream(stream, { maxCount: 1 });
        expect(await store.countAll({ fromPosition: first.position, limit: 100 })).toEqual({ count: 3, firstCreated: first.created });
        expect(await store.countAll({ fromPosition: first.position, limit: 2 })).toEqual({ count: 2, firstCreated: first.created });
        expect(await store.countAll({ fromPosition: appended.position + 1n, limit: 100 })).toEqual({ count: 0, firstCreated: null });
        expect((await store.countAll({ fromPosition: 'start', limit: 1 })).count).toBe(1);
      });
    });

    describe('read $all by several stream prefixes', () => {
      const c = `pfx${randomUUID().replaceAll('-', '').slice(0, 10)}`;
      // Two owners whose ids share a beginning (prg_1, prg_10), names with dots further in.
      const writes: [string, string][] = [
        [`${c}program-prg_1`, 'Created'],
        [`${c}program-prg_10`, 'Created'],
        [`${c}partner-prg_1.a`, 'Joined'],
        [`${c}partner-prg_10.b`, 'Joined'],
        [`${c}customer-prg_1.x`, 'Seen'],
        [`${c}trigger-prg_1.email.x`, 'Reserved'],
        [`${c}trigger-prg_1.code.y`, 'Reserved'],
        [`${c}partner-prg_1.a`, 'Paid'],
        [`${c}partner-prg_10.b`, 'Paid'],
        [`${c}customer-prg_1.x`, 'Seen'],
        [`${c}program-prg_1`, 'Renamed'],
        [`${c}partner-prg_1.c`, 'Joined'],
      ];
      const filters: AllFilter[] = [
        { streamPrefixes: [`${c}partner-prg_1.`] },
        { streamPrefixes: [`${c}program-prg_1`, `${c}partner-prg_1.`, `${c}customer-prg_1.`, `${c}trigger-prg_1.`] },
        { streamPrefixes: [`${c}program-prg_10`, `${c}partner-prg_10.`] },
        { streamPrefixes: [`${c}trigger-prg_1.email.`, `${c}partner-prg_1.a`] },
        { streamPrefixes: [`${c}partner-`, `${c}partner-prg_1.`, `${c}partner-prg_1.a`, `${c}partner-prg_1.`] },
        { streamPrefixes: [`${c}partner-prg_1.`, `${c}customer-prg_1.`], eventTypes: ['Joined', 'Seen'] },
        { streamPrefixes: [`${c}none-prg_1.`, `${c}none`] },
      ];
      let all: RecordedEvent[];
      const ids = (events: RecordedEvent[]) => events.map((e) => `${e.streamName}@${e.revision}`);
      const expected = (filter: AllFilter) => ids(all.filter((e) => matchesFilter(e, filter)));
      beforeAll(async () => {
        const results = [];
        for (const [stream, type] of writes) results.push(await store.appendToStream(stream, [ev(type, results.length)]));
        all = await store.readAll({ fromPosition: results[0].position, filter: { streamPrefixes: [c] } });
        expect(all.map((e) => e.data.n)).toEqual(writes.map((_, i) => i));
      });

      it('selects by prefix, not by owner: partner-prg_1. leaves prg_10 out, program-prg_1 takes program-prg_10 in', () => {
        expect(expected(filters[0])).toEqual([`${c}partner-prg_1.a@0`, `${c}partner-prg_1.a@1`, `${c}partner-prg_1.c@0`]);
        expect(expected(filters[1])).toContain(`${c}program-prg_10@0`);
        expect(expected(filters[1])).not.toContain(`${c}partner-prg_10.b@0`);
      });

      it('forwards: in position order, each event once, whole and in pages across prefixes', async () => {
        for (const filter of filters) {
          expect(ids(await store.readAll({ fromPosition: all[0].position, filter }))).toEqual(expected(filter));
          const paged: RecordedEvent[] = [];
          for (let from = all[0].position; ;) {
            const page = await store.readAll({ fromPosition: from, maxCount: 2, filter });
            paged.push(...page);
            if (page.length < 2) break;
            from = page[1].position + 1n;
          }
          expect(ids(paged)).toEqual(expected(filter));
        }
      });

      it('backwards: newest first, from the end and in pages across prefixes', async () => {
        for (const filter of filters) {
          const newestFirst = expected(filter).reverse();
          expect(ids(await store.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1, filter }))).toEqual(newestFirst.slice(0, 1));
          const paged: RecordedEvent[] = [];
          for (let from: bigint | 'end' = 'end'; ;) {
            const page = await store.readAll({ direction: 'backwards', fromPosition: from, maxCount: 2, filter });
            paged.push(...page);
            if (page.length < 2) break;
            from = page[1].position;
          }
          expect(ids(paged)).toEqual(newestFirst);
        }
      });
    });

    describe('catch-up subscription', () => {
      it('delivers history after the position (exclusive), then live events, with no gap and no duplicate', async () => {
        const category = `sub${randomUUID().replaceAll('-', '').slice(0, 10)}`;
        const stream = (i: number) => `${category}-${i % 3}`;
        const before = 40;
        const during = 60;
        for (let i = 0; i < before; i++) await store.appendToStream(stream(i), [ev('Tick', i)]);
        const [firstEvent] = await store.readAll({ filter: { streamPrefixes: [category] }, maxCount: 1 });

        const sub = store.subscribeToAll({ fromPosition: firstEvent.position, filter: { streamPrefixes: [category] } });
        const seen: number[] = [];
        const positions: bigint[] = [];
        let liveSeen = false;
        const consumer = (async () => {
          for await (const e of sub) {
            seen.push(e.data.n);
            positions.push(e.position);
            if (seen.length === before - 1 + during) break;
          }
        })();
        // Appends continue while the subscription catches up and after it has gone live.
        const writer = (async () => {
          for (let i = before; i < before + during; i++) {
            await store.appendToStream(stream(i), [ev('Tick', i)]);
            if (i === before + during / 2) {
              await sub.caughtUp;
              liveSeen = true;
            }
          }
        })();
        await Promise.all([writer, consumer]);
        await sub.close();
        expect(liveSeen).toBe(true);
        expect(seen).toEqual(Array.from({ length: before - 1 + during }, (_, i) => i + 1));
        for (let i = 1; i < positions.length; i++) expect(positions[i - 1] < positions[i]).toBe(true);
      });

      it('from start delivers the first event; from end only new ones; type filter applies', async () => {
        const category = `sube${randomUUID().replaceAll('-', '').slice(0, 10)}`;
        await store.appendToStream(`${category}-1`, [ev('Old', 1)]);
        const fromEnd = store.subscribeToAll({ fromPosition: 'end', filter: { streamPrefixes: [category] } });
        const fromStart = store.subscribeToAll({ fromPosition: 'start', filter: { streamPrefixes: [category], eventTypes: ['Old', 'New'] } });
        await fromEnd.caughtUp;
        await store.appendToStream(`${category}-1`, [ev('Skipped', 2), ev('New', 3)]);
        const take = async (sub: AsyncIterable<RecordedEvent>, n: number) => {
          const out: number[] = [];
          for await (const e of sub) {
            out.push(e.data.n);
            if (out.length === n) break;
          }
          return out;
        };
        expect(await take(fromEnd, 2)).toEqual([2, 3]);
        expect(await take(fromStart, 2)).toEqual([1, 3]);
        await fromEnd.close();
        await fromStart.close();
      });

      it('close() ends the iteration', async () => {
        const sub = store.subscribeToAll({ fromPosition: 'end' });
        await sub.caughtUp;
        const done = (async () => {
          let count = 0;
          for await (const _ of sub) count++;
          return count;
        })();
        await sub.close();
        await expect(done).resolves.toBeGreaterThanOrEqual(0);
      });
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
