import esdb from '@eventstore/db-client';
import type { EventStoreDBClient } from '@eventstore/db-client';
import { credentials, type ClientReadableStream } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { type EventStoreDbDouble, startEventStoreDbDouble } from './index.js';
import { type ReadReq, type ReadResp, sharedPb, streamIdentifier, streamsPb } from './proto.js';

const {
  EventStoreDBClient: Client,
  jsonEvent,
  binaryEvent,
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  START,
  END,
  FORWARDS,
  BACKWARDS,
  streamNameFilter,
  excludeSystemEvents,
  WrongExpectedVersionError,
  StreamNotFoundError,
  MaxAppendSizeExceededError,
  UnknownError,
} = esdb;

// Raw gRPC clients from the same generated code, to see the exact message sequence on the wire
// (the high-level client folds confirmations, checkpoints and caught-up into events and callbacks).
const generated = createRequire(createRequire(import.meta.url).resolve('@eventstore/db-client/generated/streams_pb.js'));
const { StreamsClient } = generated('./streams_grpc_pb.js') as typeof import('@eventstore/db-client/generated/streams_grpc_pb.js');
const { ServerFeaturesClient } = generated('./serverfeatures_grpc_pb.js') as typeof import('@eventstore/db-client/generated/serverfeatures_grpc_pb.js');

/** Per-call credentials make the 6.2.1 client use Streams.Append instead of BatchAppend. */
const VIA_APPEND = { credentials: { username: 'admin', password: 'changeit' } };

const unique = (prefix = 's') => `${prefix}-${randomUUID()}`;
const ev = (n: number, type = 'Happened') => jsonEvent({ type, data: { n } });

async function collect<T>(read: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of read) out.push(item);
  return out;
}

type Message =
  | { kind: 'confirmation' }
  | { kind: 'event'; stream: string; type: string; position: bigint; id: InstanceType<typeof sharedPb.UUID> }
  | { kind: 'checkpoint'; commit: bigint; prepare: bigint }
  | { kind: 'caughtUp' }
  | { kind: 'streamNotFound' };

function describeMessage(response: ReadResp): Message {
  if (response.hasConfirmation()) return { kind: 'confirmation' };
  if (response.hasCaughtUp()) return { kind: 'caughtUp' };
  if (response.hasStreamNotFound()) return { kind: 'streamNotFound' };
  if (response.hasCheckpoint()) {
    const checkpoint = response.getCheckpoint()!;
    return { kind: 'checkpoint', commit: BigInt(checkpoint.getCommitPosition()), prepare: BigInt(checkpoint.getPreparePosition()) };
  }
  const recorded = response.getEvent()!.getEvent()!;
  return {
    kind: 'event',
    stream: Buffer.from(recorded.getStreamIdentifier()!.getStreamName_asU8()).toString('utf8'),
    type: recorded.getMetadataMap().get('type')!,
    position: BigInt(recorded.getCommitPosition()),
    id: recorded.getId()!,
  };
}

/** A raw `Streams.Read` call whose messages can be awaited one at a time. */
function rawRead(port: number, configure: (options: InstanceType<typeof streamsPb.ReadReq.Options>) => void) {
  const client = new StreamsClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const options = new streamsPb.ReadReq.Options();
  const uuidOption = new streamsPb.ReadReq.Options.UUIDOption();
  uuidOption.setString(new sharedPb.Empty());
  options.setUuidOption(uuidOption);
  options.setNoFilter(new sharedPb.Empty());
  configure(options);
  const request: ReadReq = new streamsPb.ReadReq();
  request.setOptions(options);
  const call: ClientReadableStream<ReadResp> = client.read(request);
  const queue: Message[] = [];
  let waiting: (() => void) | undefined;
  let error: Error | undefined;
  let ended = false;
  call.on('data', (response: ReadResp) => {
    queue.push(describeMessage(response));
    waiting?.();
  });
  call.on('error', (err: Error) => {
    error = err;
    waiting?.();
  });
  call.on('end', () => {
    ended = true;
    waiting?.();
  });
  return {
    async next(): Promise<Message> {
      while (queue.length === 0) {
        if (error) throw error;
        if (ended) throw new Error('read ended');
        await new Promise<void>((resolve) => (waiting = resolve));
      }
      return queue.shift()!;
    },
    async rest(): Promise<Message[]> {
      while (!ended && !error) await new Promise<void>((resolve) => (waiting = resolve));
      if (error) throw error;
      return queue.splice(0);
    },
    close() {
      call.cancel();
      client.close();
    },
  };
}

/** subscribeToAll from the start with a stream-prefix filter, default window (32) and multiplier 1. */
function filteredFromStart(port: number, prefix: string) {
  return rawRead(port, (options) => {
    const allOptions = new streamsPb.ReadReq.Options.AllOptions();
    allOptions.setStart(new sharedPb.Empty());
    options.setAll(allOptions);
    options.setSubscription(new streamsPb.ReadReq.Options.SubscriptionOptions());
    const expression = new streamsPb.ReadReq.Options.FilterOptions.Expression();
    expression.setPrefixList([prefix]);
    const filter = new streamsPb.ReadReq.Options.FilterOptions();
    filter.setStreamIdentifier(expression);
    filter.setCount(new sharedPb.Empty());
    filter.setCheckpointintervalmultiplier(1);
    options.setFilter(filter);
  });
}

describe('EventStoreDB protocol test double', () => {
  let double: EventStoreDbDouble;
  let client: EventStoreDBClient;
  const extraClients: EventStoreDBClient[] = [];

  beforeAll(async () => {
    double = await startEventStoreDbDouble();
    client = Client.connectionString(double.url);
  });
  afterEach(async () => {
    await Promise.all(extraClients.splice(0).map((c) => c.dispose()));
  });
  afterAll(async () => {
    await client?.dispose();
    await double?.close();
  });

  it('listens on loopback with an insecure esdb:// URL', () => {
    expect(double.url).toBe(`esdb://127.0.0.1:${double.port}?tls=false`);
    expect(double.port).toBeGreaterThan(0);
  });

  it('advertises what it implements, BatchAppend included, in the server spelling', async () => {
    const raw = new ServerFeaturesClient(`127.0.0.1:${double.port}`, credentials.createInsecure());
    const methods = await new Promise<InstanceType<typeof import('@eventstore/db-client/generated/serverfeatures_pb.js').SupportedMethods>>((resolve, reject) =>
      raw.getSupportedMethods(new sharedPb.Empty(), (err, res) => (err ? reject(err) : resolve(res))),
    );
    raw.close();
    expect(methods.getEventStoreServerVersion()).toBe('24.2.0');
    const paths = methods.getMethodsList().map((m) => `/${m.getServiceName()}/${m.getMethodName()}`);
    expect(paths).toEqual(
      expect.arrayContaining(['/event_store.client.streams.streams/read', '/event_store.client.streams.streams/append', '/event_store.client.streams.streams/batchappend']),
    );
    expect(paths).not.toContain('/event_store.client.streams.streams/delete');
  });

  describe.each([
    ['BatchAppend', {}],
    ['Append', VIA_APPEND],
  ])('wrong expected version through %s', (_path, callOptions) => {
    it('exact revision on an existing stream: the client gets expected and actual revisions', async () => {
      const stream = unique();
      await client.appendToStream(stream, [ev(1)], callOptions);
      const err: any = await client.appendToStream(stream, [ev(2)], { ...callOptions, expectedRevision: 5n }).catch((e) => e);
      expect(err).toBeInstanceOf(WrongExpectedVersionError);
      expect(err).toMatchObject({ type: 'wrong-expected-version', streamName: stream, expectedVersion: 5n, actualVersion: 0n });
    });

    it('no_stream on an existing stream, stream_exists and exact on a missing one', async () => {
      const stream = unique();
      await client.appendToStream(stream, [ev(1), ev(2)], callOptions);
      await expect(client.appendToStream(stream, [ev(3)], { ...callOptions, expectedRevision: NO_STREAM })).rejects.toMatchObject({
        streamName: stream,
        expectedVersion: 'no_stream',
        actualVersion: 1n,
      });
      const missing = unique();
      await expect(client.appendToStream(missing, [ev(1)], { ...callOptions, expectedRevision: STREAM_EXISTS })).rejects.toMatchObject({
        streamName: missing,
        expectedVersion: 'stream_exists',
        actualVersion: 'no_stream',
      });
      await expect(client.appendToStream(missing, [ev(1)], { ...callOptions, expectedRevision: 0n })).rejects.toMatchObject({
        expectedVersion: 0n,
        actualVersion: 'no_stream',
      });
      expect(await collect(client.readStream(stream))).toHaveLength(2);
    });

    it('answers success with the last revision and the position of the last event', async () => {
      const stream = unique();
      const result = await client.appendToStream(stream, [ev(1), ev(2), ev(3)], { ...callOptions, expectedRevision: NO_STREAM });
      expect(result).toMatchObject({ success: true, nextExpectedRevision: 2n });
      const events = await collect(client.readStream(stream));
      expect(events.map((e) => e.event!.revision)).toEqual([0n, 1n, 2n]);
      expect(result.position).toEqual(events[2].event!.position);
      // Positions are strictly increasing but not contiguous.
      expect(events[1].event!.position!.commit - events[0].event!.position!.commit).toBeGreaterThan(1n);
    });

    it('refuses an append above 1 MiB of data', async () => {
      const err = await client.appendToStream(unique(), [binaryEvent({ type: 'Big', data: new Uint8Array(1024 * 1024 + 1) })], callOptions).catch((e) => e);
      expect(err).toBeInstanceOf(MaxAppendSizeExceededError);
      expect(err).toMatchObject({ maxAppendSize: 1024 * 1024 });
    });
  });

  describe('idempotent retries (same event ids)', () => {
    it('any: the retry returns the original result and writes nothing', async () => {
      const stream = unique();
      const events = [ev(1), ev(2)];
      const first = await client.appendToStream(stream, events);
      const retry = await client.appendToStream(stream, events);
      expect(retry).toEqual(first);
      expect(await collect(client.readStream(stream))).toHaveLength(2);
    });

    it('exact revision: a retry at the same expected revision succeeds, a partial match conflicts', async () => {
      const stream = unique();
      const events = [ev(1), ev(2)];
      const first = await client.appendToStream(stream, events, { expectedRevision: NO_STREAM });
      await expect(client.appendToStream(stream, events, { expectedRevision: NO_STREAM })).resolves.toEqual(first);
      await expect(client.appendToStream(stream, [events[0], ev(3)], { expectedRevision: NO_STREAM })).rejects.toBeInstanceOf(WrongExpectedVersionError);
      expect(await collect(client.readStream(stream))).toHaveLength(2);
    });
  });

  describe('reading', () => {
    it('a missing stream: StreamNotFoundError from the client, stream_not_found then OK on the wire', async () => {
      const stream = unique();
      const err = await collect(client.readStream(stream)).catch((e) => e);
      expect(err).toBeInstanceOf(StreamNotFoundError);
      expect(err).toMatchObject({ streamName: stream });

      const raw = rawRead(double.port, (options) => {
        const streamOptions = new streamsPb.ReadReq.Options.StreamOptions();
        streamOptions.setStreamIdentifier(streamIdentifier(stream));
        streamOptions.setStart(new sharedPb.Empty());
        options.setStream(streamOptions);
        options.setCount('10');
      });
      expect(await raw.rest()).toEqual([{ kind: 'streamNotFound' }]);
      raw.close();
    });

    it('keeps content type, data, custom metadata bytes and the created time', async () => {
      const stream = unique();
      const before = Date.now();
      const data = Uint8Array.from([0, 1, 2, 250]);
      const metadata = Uint8Array.from([9, 8, 7]);
      await client.appendToStream(stream, [binaryEvent({ type: 'Bin', data, metadata }), jsonEvent({ type: 'Json', data: { a: 1 }, metadata: { correlationId: 'c' } })]);
      const [bin, json] = (await collect(client.readStream(stream))).map((e) => e.event!);
      expect(bin).toMatchObject({ type: 'Bin', isJson: false, data, metadata });
      expect(json).toMatchObject({ type: 'Json', isJson: true, data: { a: 1 }, metadata: { correlationId: 'c' } });
      expect(bin.created.getTime()).toBeGreaterThanOrEqual(before);
      expect(bin.created.getTime()).toBeLessThanOrEqual(Date.now());
    });

    it('streams backwards from a revision, and refuses forwards from the end as the server does', async () => {
      const stream = unique();
      await client.appendToStream(stream, [ev(0), ev(1), ev(2), ev(3)]);
      const back = await collect(client.readStream(stream, { direction: BACKWARDS, fromRevision: 2n, maxCount: 2 }));
      expect(back.map((e) => e.event!.revision)).toEqual([2n, 1n]);
      const fromEnd = await collect(client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }));
      expect(fromEnd.map((e) => e.event!.revision)).toEqual([3n]);
      // The storage reader rejects a negative start (End = -1) on forward reads.
      await expect(collect(client.readStream(stream, { direction: FORWARDS, fromRevision: END }))).rejects.toBeInstanceOf(UnknownError);
    });

    it('reads $all both ways: forwards inclusive, backwards exclusive, End backwards = newest', async () => {
      const stream = unique();
      await client.appendToStream(stream, [ev(0), ev(1), ev(2)]);
      const [e0, e1, e2] = (await collect(client.readStream(stream))).map((e) => e.event!);
      const forwards = await collect(client.readAll({ fromPosition: e1.position!, maxCount: 2 }));
      expect(forwards.map((e) => e.event!.id)).toEqual([e1.id, e2.id]);
      const backwards = await collect(client.readAll({ direction: BACKWARDS, fromPosition: e2.position!, maxCount: 2 }));
      expect(backwards.map((e) => e.event!.id)).toEqual([e1.id, e0.id]);
      const [newest] = await collect(client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }));
      expect(newest.event!.id).toBe(e2.id);
      expect(await collect(client.readAll({ fromPosition: END }))).toEqual([]);
      expect((await collect(client.readAll({ fromPosition: START, maxCount: 1 })))[0].event!.position!.commit).toBeGreaterThan(0n);
    });

    it('answers the structured UUID form when the request asks for it', async () => {
      const stream = unique();
      const id = randomUUID();
      await client.appendToStream(stream, [jsonEvent({ id, type: 'T', data: {} })]);
      const raw = rawRead(double.port, (options) => {
        const streamOptions = new streamsPb.ReadReq.Options.StreamOptions();
        streamOptions.setStreamIdentifier(streamIdentifier(stream));
        streamOptions.setStart(new sharedPb.Empty());
        options.setStream(streamOptions);
        options.setCount('1');
        const uuidOption = new streamsPb.ReadReq.Options.UUIDOption();
        uuidOption.setStructured(new sharedPb.Empty());
        options.setUuidOption(uuidOption);
      });
      const [message] = await raw.rest();
      raw.close();
      const structured = (message as Extract<Message, { kind: 'event' }>).id.getStructured()!;
      const hex =
        BigInt.asUintN(64, BigInt(structured.getMostSignificantBits())).toString(16).padStart(16, '0') +
        BigInt.asUintN(64, BigInt(structured.getLeastSignificantBits())).toString(16).padStart(16, '0');
      expect(hex).toBe(id.replaceAll('-', ''));
    });
  });

  describe('subscriptions to $all', () => {
    it('filtered: checkpoints every 32 examined events in catch-up and live, the last catch-up one before caught_up', async () => {
      // A fresh double so that the log holds exactly these events.
      const own = await startEventStoreDbDouble();
      const writer = Client.connectionString(own.url);
      extraClients.push(writer);
      try {
        for (let i = 0; i < 64; i++) await writer.appendToStream(`other-${i % 4}`, [ev(i)]);
        await writer.appendToStream('match-1', [ev(64, 'Matched')]);
        const all = (await collect(writer.readAll())).map((e) => e.event!.position!.commit);
        expect(all).toHaveLength(65);

        const sub = filteredFromStart(own.port, 'match-');
        const catchUp: Message[] = [];
        for (let m = await sub.next(); ; m = await sub.next()) {
          catchUp.push(m);
          if (m.kind === 'caughtUp') break;
        }
        // Pages examine 32 events each; an interval checkpoint is the later of the last event sent
        // and the page's start (from the start: (0,0); then where the first page stopped); at the
        // end of the log, one more at the last event sent (AllSubscriptionFiltered.CatchUp).
        expect(catchUp).toEqual([
          { kind: 'confirmation' },
          { kind: 'checkpoint', commit: 0n, prepare: 0n },
          { kind: 'checkpoint', commit: all[32], prepare: 0n },
          expect.objectContaining({ kind: 'event', stream: 'match-1', position: all[64] }),
          { kind: 'checkpoint', commit: all[64], prepare: all[64] },
          { kind: 'caughtUp' },
        ]);

        // Live: SubscriptionsService counts every committed event since the subscription started.
        for (let i = 0; i < 32; i++) await writer.appendToStream('other-live', [ev(100 + i)]);
        await writer.appendToStream('match-2', [ev(200, 'Matched')]);
        const live = (await collect(writer.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 33 }))).map((e) => e.event!.position!.commit).reverse();
        expect(await sub.next()).toEqual({ kind: 'checkpoint', commit: live[31], prepare: live[31] });
        expect(await sub.next()).toMatchObject({ kind: 'event', stream: 'match-2', position: live[32] });
        sub.close();
      } finally {
        await own.close();
      }
    });

    it('filtered, nothing matched in a short catch-up from the start: the last catch-up checkpoint is End', async () => {
      // CatchUp starts from TFPos(-1,-1) and sends it at the end of the log if no event and no
      // interval moved it; Position.FromInt64 turns -1 into uint64 max. MoveNextAsync then drops
      // every later checkpoint as "not after" it.
      const own = await startEventStoreDbDouble();
      const writer = Client.connectionString(own.url);
      extraClients.push(writer);
      try {
        for (let i = 0; i < 3; i++) await writer.appendToStream('other-1', [ev(i)]);
        const sub = filteredFromStart(own.port, 'match-');
        const max = (1n << 64n) - 1n;
        expect([await sub.next(), await sub.next(), await sub.next()]).toEqual([{ kind: 'confirmation' }, { kind: 'checkpoint', commit: max, prepare: max }, { kind: 'caughtUp' }]);
        for (let i = 0; i < 40; i++) await writer.appendToStream('other-1', [ev(10 + i)]);
        await writer.appendToStream('match-1', [ev(99, 'Matched')]);
        expect(await sub.next()).toMatchObject({ kind: 'event', stream: 'match-1' });
        sub.close();
      } finally {
        await own.close();
      }
    });

    it('from a position: exclusive; from End: caught_up right after the confirmation, then only new events', async () => {
      const stream = unique('pos');
      await client.appendToStream(stream, [ev(0), ev(1)]);
      const [first] = await collect(client.readStream(stream, { maxCount: 1 }));
      const fromPosition = rawRead(double.port, (options) => {
        const allOptions = new streamsPb.ReadReq.Options.AllOptions();
        const position = new streamsPb.ReadReq.Options.Position();
        position.setCommitPosition(first.event!.position!.commit.toString());
        position.setPreparePosition(first.event!.position!.prepare.toString());
        allOptions.setPosition(position);
        options.setAll(allOptions);
        options.setSubscription(new streamsPb.ReadReq.Options.SubscriptionOptions());
      });
      const fromEnd = rawRead(double.port, (options) => {
        const allOptions = new streamsPb.ReadReq.Options.AllOptions();
        allOptions.setEnd(new sharedPb.Empty());
        options.setAll(allOptions);
        options.setSubscription(new streamsPb.ReadReq.Options.SubscriptionOptions());
      });
      try {
        expect(await fromEnd.next()).toEqual({ kind: 'confirmation' });
        expect(await fromEnd.next()).toEqual({ kind: 'caughtUp' });
        expect(await fromPosition.next()).toEqual({ kind: 'confirmation' });
        const afterFirst: Message[] = [];
        for (let m = await fromPosition.next(); m.kind !== 'caughtUp'; m = await fromPosition.next()) afterFirst.push(m);
        expect(afterFirst.some((m) => m.kind === 'event' && m.position === first.event!.position!.commit)).toBe(false);
        expect(afterFirst).toContainEqual(expect.objectContaining({ kind: 'event', stream }));

        await client.appendToStream(stream, [ev(2)]);
        const [third] = await collect(client.readStream(stream, { fromRevision: 2n }));
        expect(await fromEnd.next()).toMatchObject({ kind: 'event', stream, position: third.event!.position!.commit });
        expect(await fromPosition.next()).toMatchObject({ kind: 'event', stream, position: third.event!.position!.commit });
      } finally {
        fromPosition.close();
        fromEnd.close();
      }
    });

    it('serves several connections at once: one client subscribes, others append', async () => {
      const category = unique('multi').replaceAll('-', '');
      const subscriber = Client.connectionString(double.url);
      const writers = [Client.connectionString(double.url), Client.connectionString(double.url)];
      extraClients.push(subscriber, ...writers);
      const subscription = subscriber.subscribeToAll({ fromPosition: END, filter: streamNameFilter({ prefixes: [category] }) });
      await new Promise((resolve) => subscription.once('confirmation', resolve));
      const stream = `${category}-1`;
      await writers[0].appendToStream(stream, [ev(0)]);
      const results = await Promise.allSettled(writers.map((w, i) => w.appendToStream(stream, [ev(i + 1)], { expectedRevision: 0n })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const seen: unknown[] = [];
      for await (const resolved of subscription) {
        seen.push(resolved.event!.data);
        if (seen.length === 2) break;
      }
      expect(seen[0]).toEqual({ n: 0 });
      await subscription.unsubscribe();
    });

    it('excludeSystemEvents hides $-typed events; $-streams can be written and read', async () => {
      const stream = unique('sys');
      await client.appendToStream(`$${stream}`, [jsonEvent({ type: '$system', data: {} })]);
      await client.appendToStream(stream, [ev(1)]);
      expect(await collect(client.readStream(`$${stream}`))).toHaveLength(1);
      const subscription = client.subscribeToAll({ fromPosition: START, filter: excludeSystemEvents() });
      const types: string[] = [];
      for await (const resolved of subscription) {
        types.push(resolved.event!.type);
        if (resolved.event!.streamId === stream) break;
      }
      await subscription.unsubscribe();
      expect(types).not.toContain('$system');
    });
  });

  it('Delete is not implemented and says so (UNIMPLEMENTED, not a fake success)', async () => {
    const err = await client.deleteStream(unique(), { expectedRevision: ANY }).catch((e) => e);
    expect(err).toMatchObject({ code: 12 });
  });
});
