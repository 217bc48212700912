import type { EventStoreDBClient } from '@eventstore/db-client';
import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { startEventStoreDbDouble } from '@partner-ledger/testing';
import { eventStoreContract } from '../contract/event-store.contract.js';
import type { RecordedEvent } from '../event-store.port.js';
import { EventStoreDbEventStore } from './eventstoredb-event-store.js';
import { escapeRegex, eventTypesRegex, isSystemEvent, serverFilterSpec, toActualRevision, toClientExpectedRevision, toRecordedEvent } from './mappings.js';
import { EventStoreDbSubscription, SUBSCRIPTION_HIGH_WATER } from './subscribe.js';

const url = process.env.EVENT_STORE_URL;

if (url && /^esdb(\+discover)?:\/\//.test(url)) {
  eventStoreContract('eventstoredb', async () => {
    const store = EventStoreDbEventStore.connect(url);
    // Each test writes to fresh random stream names, so closing the client is all the cleanup.
    return { store, cleanup: () => store.close() };
  });
} else {
  if (url) console.warn(`EVENT_STORE_URL is not an esdb:// URL (${url}); running against the protocol test double instead`);
  // No server on this machine: the same suite, through the real client over real sockets, against
  // the in-memory gRPC protocol double (libs/testing/src/eventstoredb-double, see its README).
  eventStoreContract('eventstoredb (protocol test double)', async () => {
    const double = await startEventStoreDbDouble();
    const store = EventStoreDbEventStore.connect(double.url);
    return {
      store,
      cleanup: async () => {
        try {
          await store.close();
        } finally {
          await double.close();
        }
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Server-free tests: the pure mappings, and the subscription wrapper over a fake client stream.
// ---------------------------------------------------------------------------------------------

function raw(n: number, { stream = 'orders-1', type = 'Placed', position = BigInt(1000 + n * 10) } = {}) {
  return {
    event: {
      streamId: stream,
      id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      revision: BigInt(n),
      type,
      data: { n },
      metadata: undefined,
      isJson: true as const,
      created: new Date(1_700_000_000_000),
      position: { commit: position, prepare: position },
    },
    commitPosition: position,
  };
}

/** Stands in for the client's Subscription: an object-mode stream plus unsubscribe(). */
class FakeClientSubscription extends PassThrough {
  unsubscribed = false;
  constructor() {
    super({ objectMode: true });
  }
  async unsubscribe() {
    this.unsubscribed = true;
  }
}

function harness(options: ConstructorParameters<typeof EventStoreDbSubscription>[1] = {}, endPosition?: bigint) {
  const fake = new FakeClientSubscription();
  let filter: any;
  let resolveEnd!: (end: bigint | undefined) => void;
  const end = new Promise<bigint | undefined>((resolve) => (resolveEnd = resolve));
  const client = {
    subscribeToAll: (opts: { filter: unknown }) => {
      filter = opts.filter;
      return fake;
    },
  } as unknown as EventStoreDBClient;
  const sub = new EventStoreDbSubscription(
    client,
    options,
    () => end,
    () => undefined,
  );
  if (endPosition !== undefined) resolveEnd(endPosition);
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  return {
    sub,
    fake,
    tick,
    resolveEnd,
    filter: () => filter,
    checkpoint: (p: bigint) => filter.checkpointReached(fake, { commit: p, prepare: p }),
  };
}

async function take(sub: AsyncIterable<RecordedEvent>, count: number): Promise<number[]> {
  const out: number[] = [];
  if (count === 0) return out;
  const it = sub[Symbol.asyncIterator]();
  while (out.length < count) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value.data.n);
  }
  return out;
}

function isSettled(p: Promise<unknown>): Promise<boolean> {
  const marker = Symbol();
  return Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise((r) => setImmediate(() => r(marker))),
  ]).then((v) => v === true);
}

describe('eventstoredb adapter: mappings', () => {
  it('maps expected and actual revisions', () => {
    expect(toClientExpectedRevision('any')).toBe('any');
    expect(toClientExpectedRevision('no_stream')).toBe('no_stream');
    expect(toClientExpectedRevision('stream_exists')).toBe('stream_exists');
    expect(toClientExpectedRevision(7n)).toBe(7n);
    expect(toActualRevision(3n)).toBe(3n);
    expect(toActualRevision('no_stream')).toBe('no_stream');
    expect(toActualRevision(-1n)).toBe('no_stream');
  });

  it('recognises system events by type or stream', () => {
    expect(isSystemEvent({ streamName: 'orders-1', type: 'Placed' })).toBe(false);
    expect(isSystemEvent({ streamName: '$$orders-1', type: '$metadata' })).toBe(true);
    expect(isSystemEvent({ streamName: '$ce-orders', type: '$>' })).toBe(true);
    expect(isSystemEvent({ streamName: '$stats-127.0.0.1:2113', type: 'StatsCollected' })).toBe(true);
  });

  it('builds an anchored, escaped event-type regex', () => {
    expect(escapeRegex('a.b(c)*$')).toBe('a\\.b\\(c\\)\\*\\$');
    const re = new RegExp(eventTypesRegex(['Order.Placed', 'Refund(v2)']));
    expect(re.test('Order.Placed')).toBe(true);
    expect(re.test('Refund(v2)')).toBe(true);
    expect(re.test('OrderXPlaced')).toBe(false);
    expect(re.test('Order.Placed2')).toBe(false);
    expect(re.test('xOrder.Placed')).toBe(false);
  });

  it('picks one server-side filter: prefixes first, then types, else exclude system events', () => {
    expect(serverFilterSpec({ streamPrefixes: ['a-'], eventTypes: ['X'] })).toEqual({ on: 'streamName', prefixes: ['a-'] });
    expect(serverFilterSpec({ eventTypes: ['X', 'Y'] })).toEqual({ on: 'eventType', regex: '^(X|Y)$' });
    expect(serverFilterSpec({ streamPrefixes: [], eventTypes: [] })).toEqual({ on: 'excludeSystemEvents' });
    expect(serverFilterSpec()).toEqual({ on: 'excludeSystemEvents' });
  });

  it('maps a resolved event to the port record', () => {
    const e = toRecordedEvent(raw(2, { position: 4242n }))!;
    expect(e).toEqual({
      id: '00000000-0000-4000-8000-000000000002',
      streamName: 'orders-1',
      revision: 2n,
      position: 4242n,
      type: 'Placed',
      data: { n: 2 },
      metadata: {},
      created: new Date(1_700_000_000_000),
    });
    const binary = raw(3);
    Object.assign(binary.event, { isJson: false, data: Buffer.from('{"n":3}'), metadata: { correlationId: 'c' } });
    expect(toRecordedEvent(binary)).toMatchObject({ data: { n: 3 }, metadata: { correlationId: 'c' } });
    expect(toRecordedEvent({})).toBeUndefined();
  });
});

describe('eventstoredb adapter: subscription wrapper (fake client stream)', () => {
  it('passes the server filter with a checkpoint callback, and filters client-side too', async () => {
    const h = harness({ filter: { streamPrefixes: ['orders-'], eventTypes: ['Placed'] } }, 5000n);
    expect(h.filter()).toMatchObject({ prefixes: ['orders-'] });
    expect(typeof h.filter().checkpointReached).toBe('function');
    h.fake.write(raw(1));
    h.fake.write(raw(2, { type: 'Cancelled' }));
    h.fake.write(raw(3, { stream: '$$orders-1', type: '$metadata' }));
    h.fake.write(raw(4));
    expect(await take(h.sub, 2)).toEqual([1, 4]);
    await h.sub.close();
    expect(h.fake.unsubscribed).toBe(true);
  });

  it('resolves caughtUp on the server signal only after the history before it was consumed', async () => {
    const h = harness({ fromPosition: 'start' });
    for (const n of [1, 2, 3]) h.fake.write(raw(n));
    // Emitted while events may still sit in the client stream's buffer: they are history.
    h.fake.emit('caughtUp');
    h.fake.write(raw(4));
    await h.tick();
    expect(await isSettled(h.sub.caughtUp)).toBe(false);
    const it = h.sub[Symbol.asyncIterator]();
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) seen.push(((await it.next()) as IteratorYieldResult<RecordedEvent>).value.data.n);
    expect(seen).toEqual([1, 2, 3]);
    expect(await isSettled(h.sub.caughtUp)).toBe(false);
    const fourth = it.next();
    await h.sub.caughtUp;
    expect(((await fourth) as IteratorYieldResult<RecordedEvent>).value.data.n).toBe(4);
    await h.sub.close();
  });

  it('without a server signal, resolves caughtUp from a checkpoint at the end position read at subscribe time', async () => {
    const h = harness({ fromPosition: 'start', filter: { streamPrefixes: ['orders-'] } });
    h.fake.write(raw(1, { position: 100n }));
    await h.tick();
    h.resolveEnd(900n); // newest record in $all, filtered out by the server
    await h.tick();
    await h.checkpoint(500n);
    expect(await take(h.sub, 1)).toEqual([1]);
    expect(await isSettled(h.sub.caughtUp)).toBe(false);
    await h.checkpoint(900n);
    const next = take(h.sub, 1);
    await h.sub.caughtUp;
    h.fake.write(raw(2, { position: 1000n }));
    expect(await next).toEqual([2]);
    await h.sub.close();
  });

  it('resolves caughtUp at once when there is no history, without needing a consumer', async () => {
    const h = harness({ fromPosition: 5000n }, 4000n);
    await h.sub.caughtUp;
    const fromEnd = harness({ fromPosition: 'end' });
    expect(await isSettled(fromEnd.sub.caughtUp)).toBe(false);
    fromEnd.fake.emit('confirmation');
    await fromEnd.sub.caughtUp;
    await h.sub.close();
    await fromEnd.sub.close();
  });

  it('pauses the client stream when the consumer is slow, and loses nothing', async () => {
    const h = harness({ fromPosition: 'start' }, 1n);
    const total = SUBSCRIPTION_HIGH_WATER * 4;
    for (let n = 1; n <= total; n++) h.fake.write(raw(n, { position: BigInt(n) }));
    await h.tick();
    expect(h.fake.isPaused()).toBe(true);
    const seen = await take(h.sub, total);
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(h.fake.isPaused()).toBe(false);
    await h.sub.close();
  });

  it('delivers what was queued, then rejects next() with the stream error', async () => {
    const h = harness({ fromPosition: 'start' }, 1n);
    h.fake.write(raw(1));
    await h.tick();
    h.fake.emit('error', new Error('connection lost'));
    const it = h.sub[Symbol.asyncIterator]();
    expect(((await it.next()) as IteratorYieldResult<RecordedEvent>).value.data.n).toBe(1);
    await expect(it.next()).rejects.toThrow('connection lost');
    expect((await it.next()).done).toBe(true);
    expect(h.fake.unsubscribed).toBe(true);
  });

  it('close() ends a pending iteration', async () => {
    const h = harness({ fromPosition: 'end' });
    const it = h.sub[Symbol.asyncIterator]();
    const pending = it.next();
    await h.sub.close();
    expect((await pending).done).toBe(true);
    expect(h.fake.unsubscribed).toBe(true);
  });
});
