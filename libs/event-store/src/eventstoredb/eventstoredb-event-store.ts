// The client is CommonJS; its default export is `module.exports`, which works both under Node's ESM
// loader and Jest's native ESM mode (named imports depend on each loader's CJS export detection).
import esdb from '@eventstore/db-client';
import type {
  AllStreamResolvedEvent,
  AllStreamSubscription,
  AppendExpectedRevision,
  EventStoreDBClient as Client,
  Filter,
  JSONType,
  Position,
  ReadPosition,
  ReadRevision,
  ResolvedEvent,
  StreamingRead,
} from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import {
  type ActualRevision,
  type AllFilter,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type EventSubscription,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
  WrongExpectedRevisionError,
  matchesFilter,
} from '../event-store.port.js';

const {
  EventStoreDBClient,
  jsonEvent,
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  START,
  END,
  FORWARDS,
  BACKWARDS,
  streamNameFilter,
  eventTypeFilter,
  excludeSystemEvents,
  WrongExpectedVersionError,
  StreamNotFoundError,
} = esdb;

/** readAll pages: big enough to amortise a round trip, small enough not to over-read for maxCount. */
const PAGE_MIN = 32;
const PAGE_MAX = 512;

// ---------------------------------------------------------------------------------------------
// Pure mappings (exported for the unit tests that run without a server)
// ---------------------------------------------------------------------------------------------

export function toClientExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return expected;
  }
}

/** The client reports a missing stream as 'no_stream' (and, on some paths, as revision -1). */
export function toActualRevision(actual: unknown): ActualRevision {
  return typeof actual === 'bigint' && actual >= 0n ? actual : 'no_stream';
}

/**
 * ESDB writes its own events into `$all` (`$metadata`, `$>` links, `$stats-…`, projections); the
 * port's `$all` holds only our events, as the SQLite adapter's does.
 */
export function isSystemEvent(event: { streamName: string; type: string }): boolean {
  return event.type.startsWith('$') || event.streamName.startsWith('$');
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The server matches regexes unanchored, so an exact-type filter needs explicit anchors. */
export function eventTypesRegex(types: string[]): string {
  return `^(${types.map(escapeRegex).join('|')})$`;
}

export type ServerFilterSpec =
  | { on: 'streamName'; prefixes: string[] }
  | { on: 'eventType'; regex: string }
  | { on: 'excludeSystemEvents' };

/**
 * The server takes one expression (stream name OR event type), so it can narrow but not fully
 * apply an `AllFilter`; `matchesFilter` runs on every delivered event regardless.
 */
export function serverFilterSpec(filter?: AllFilter): ServerFilterSpec {
  if (filter?.streamPrefixes?.length) return { on: 'streamName', prefixes: [...filter.streamPrefixes] };
  if (filter?.eventTypes?.length) return { on: 'eventType', regex: eventTypesRegex(filter.eventTypes) };
  return { on: 'excludeSystemEvents' };
}

export function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event) return undefined;
  return {
    id: event.id,
    streamName: event.streamId,
    revision: event.revision,
    // Stream reads carry the position only on servers >= 22.6; -1n marks "unknown" rather than
    // inventing a plausible value.
    position: event.position?.commit ?? resolved.commitPosition ?? -1n,
    type: event.type,
    data: decodeData(event.data),
    metadata: decodeMetadata(event.metadata),
    created: event.created,
  };
}

/** Events written by other clients may be binary; decode them when they hold JSON anyway. */
function decodeData(data: unknown): unknown {
  if (!(data instanceof Uint8Array)) return data;
  try {
    return JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return data;
  }
}

function decodeMetadata(metadata: unknown): EventMetadata {
  return metadata && typeof metadata === 'object' && !Array.isArray(metadata) && !(metadata instanceof Uint8Array)
    ? (metadata as EventMetadata)
    : {};
}

function toEventData(event: NewEvent) {
  return jsonEvent({
    id: event.id ?? randomUUID(),
    type: event.type,
    // Same normalisation as the SQLite adapter, so both read back the same value.
    data: (event.data ?? {}) as JSONType,
    metadata: event.metadata,
  });
}

function toReadPosition(from: bigint | 'start' | 'end'): ReadPosition {
  if (from === 'start') return START;
  if (from === 'end') return END;
  return { commit: from, prepare: from };
}

function isWrongExpectedVersion(err: unknown): err is InstanceType<typeof WrongExpectedVersionError> {
  return err instanceof WrongExpectedVersionError || (err as { type?: unknown })?.type === 'wrong-expected-version';
}

function isStreamNotFound(err: unknown): boolean {
  return err instanceof StreamNotFoundError || (err as { type?: unknown })?.type === 'stream-not-found';
}

function checkExpected(streamName: string, expected: ExpectedRevision, current: bigint | undefined): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'bigint' && current === expected);
  if (!ok) throw new WrongExpectedRevisionError(streamName, expected, current ?? 'no_stream');
}

async function collect<E>(read: StreamingRead<E>): Promise<E[]> {
  const out: E[] = [];
  for await (const item of read) out.push(item);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The adapter
// ---------------------------------------------------------------------------------------------

export class EventStoreDbEventStore implements EventStore {
  readonly kind = 'eventstoredb' as const;
  private readonly subscriptions = new Set<EventStoreDbSubscription>();
  private closed = false;

  /** No RPC happens here: the client connects lazily on the first operation. */
  static connect(connectionString: string): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(connectionString));
  }

  constructor(private readonly client: Client) {}

  async appendToStream(
    streamName: string,
    events: NewEvent[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    this.assertOpen();
    const expected = options.expectedRevision ?? 'any';
    // The 6.2.1 client misreports an empty write (a `no_stream` answer becomes revision 0, and
    // there is no position), so answer it from reads instead; nothing is written either way.
    if (events.length === 0) return this.appendNothing(streamName, expected);
    try {
      const result = await this.client.appendToStream(streamName, events.map(toEventData), {
        expectedRevision: toClientExpectedRevision(expected),
      });
      // An idempotent retry (same event ids) can succeed without a position.
      const position = result.position?.commit ?? (await this.lastStreamEvent(streamName))?.position ?? -1n;
      return { nextExpectedRevision: result.nextExpectedRevision, position };
    } catch (err) {
      if (isWrongExpectedVersion(err)) {
        throw new WrongExpectedRevisionError(streamName, expected, toActualRevision(err.actualVersion));
      }
      throw err;
    }
  }

  private async appendNothing(streamName: string, expected: ExpectedRevision): Promise<AppendResult> {
    const current = (await this.lastStreamEvent(streamName))?.revision;
    checkExpected(streamName, expected, current);
    return { nextExpectedRevision: current ?? -1n, position: (await this.lastAllPosition()) ?? 0n };
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? (backwards ? 'end' : 'start');
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    // Forwards from END is unspecified on the server; the port (and SQLite) say "nothing".
    if (!backwards && from === 'end') return [];
    const fromRevision: ReadRevision = from === 'start' ? (backwards ? 0n : START) : from === 'end' ? END : from;
    try {
      const read = this.client.readStream(streamName, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision,
        ...(options.maxCount !== undefined && { maxCount: options.maxCount }),
      });
      return (await collect(read)).map(toRecordedEvent).filter((e): e is RecordedEvent => e !== undefined);
    } catch (err) {
      if (isStreamNotFound(err)) return [];
      throw err;
    }
  }

  /**
   * The 6.2.1 client cannot send a filter with readAll, so we page through `$all` and filter here;
   * `maxCount` counts what we return. A selective filter over a large `$all` therefore scans it:
   * long-running readers should prefer subscribeToAll, whose filter runs on the server.
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const backwards = options.direction === 'backwards';
    const from = options.fromPosition ?? (backwards ? 'end' : 'start');
    const limit = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (limit <= 0) return [];
    if (backwards ? from === 'start' : from === 'end') return [];

    const out: RecordedEvent[] = [];
    let cursor = toReadPosition(from);
    // Forwards reads are inclusive, so a continuation page starts with the previous page's last
    // event again; backwards reads are exclusive and need no skipping.
    let skip: Position | undefined;
    for (;;) {
      const pageSize = Math.min(PAGE_MAX, Math.max(PAGE_MIN, limit - out.length));
      const page = await collect(
        this.client.readAll({ direction: backwards ? BACKWARDS : FORWARDS, fromPosition: cursor, maxCount: pageSize }),
      );
      for (const resolved of page) {
        const position = resolved.event?.position;
        if (skip && position && position.commit === skip.commit && position.prepare === skip.prepare) continue;
        const event = toRecordedEvent(resolved);
        if (!event || isSystemEvent(event) || !matchesFilter(event, options.filter)) continue;
        out.push(event);
        if (out.length >= limit) return out;
      }
      const last = page.at(-1)?.event?.position;
      if (page.length < pageSize || !last) return out;
      cursor = last;
      skip = backwards ? undefined : last;
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): EventSubscription {
    this.assertOpen();
    const subscription: EventStoreDbSubscription = new EventStoreDbSubscription(
      this.client,
      options,
      () => this.lastAllPosition(),
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await collect(this.client.readAll({ maxCount: 1, direction: BACKWARDS, fromPosition: END }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }

  /** Position of the newest record in `$all`, system events included; undefined when empty. */
  private async lastAllPosition(): Promise<bigint | undefined> {
    const [last] = await collect(this.client.readAll({ maxCount: 1, direction: BACKWARDS, fromPosition: END }));
    return last?.event?.position?.commit ?? last?.commitPosition;
  }

  private async lastStreamEvent(streamName: string): Promise<RecordedEvent | undefined> {
    const [last] = await this.readStream(streamName, { direction: 'backwards', fromRevision: 'end', maxCount: 1 });
    return last;
  }

  private assertOpen() {
    if (this.closed) throw new Error('event store is closed');
  }
}

// ---------------------------------------------------------------------------------------------
// Subscription
// ---------------------------------------------------------------------------------------------

const CAUGHT_UP = Symbol('caught-up');
const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** Queue bounds: above HIGH the client stream is paused (gRPC flow control then holds the server). */
export const SUBSCRIPTION_HIGH_WATER = 256;
export const SUBSCRIPTION_LOW_WATER = 64;

/**
 * Wraps the client's catch-up subscription in the port's pull-based iterator.
 *
 * `caughtUp` is a marker placed in the delivery queue, not a flag, so that it resolves only once
 * every history event before it has been handed to the consumer (the SQLite adapter's meaning).
 * Where the marker goes comes from whichever signal arrives first:
 * - the server's `caughtUp` message (>= 23.10 only);
 * - a checkpoint at or after the end of `$all` read at subscribe time (filtered subscriptions,
 *   which ours always are, get one at the end of catch-up on every server version);
 * - a delivered event at or after that end position;
 * - for `fromPosition: 'end'`, the server's confirmation that the subscription exists, so that an
 *   append made after `await caughtUp` cannot fall before the subscription's starting point.
 * Signals raised inside the client's transform refer to the events it had produced so far; those
 * it buffered but we have not received yet are counted with `readableLength`.
 */
export class EventStoreDbSubscription implements EventSubscription {
  readonly caughtUp: Promise<void>;
  private resolveCaughtUp!: () => void;
  private rejectCaughtUp!: (err: Error) => void;
  private readonly subscription: AllStreamSubscription;
  private readonly queue: Array<RecordedEvent | typeof CAUGHT_UP> = [];
  private waiters: Array<() => void> = [];
  /** Raw events received from the client (before our client-side filter). */
  private received = 0;
  private delivered = 0;
  private maxReceivedPosition = -1n;
  private endPosition: bigint | undefined;
  private lastCheckpoint: { position: bigint; at: number } | undefined;
  private caughtUpAt: number | undefined;
  private caughtUpQueued = false;
  private paused = false;
  private failure: Error | undefined;
  private finished = false;
  private closed = false;
  private releasing: Promise<void> | undefined;
  private readonly onData = (resolved: AllStreamResolvedEvent) => this.receive(resolved);

  constructor(
    client: Client,
    private readonly options: SubscribeToAllOptions,
    findEndPosition: () => Promise<bigint | undefined>,
    private readonly onClose: () => void,
  ) {
    this.caughtUp = new Promise<void>((resolve, reject) => {
      this.resolveCaughtUp = resolve;
      this.rejectCaughtUp = reject;
    });
    // A failure is reported through the iterator; nobody is obliged to await caughtUp as well.
    this.caughtUp.catch(() => undefined);

    const from = options.fromPosition ?? 'start';
    this.subscription = client.subscribeToAll({
      fromPosition: toReadPosition(from),
      filter: this.clientFilter(),
    });
    this.subscription.on('data', this.onData);
    this.subscription.on('caughtUp', () => this.caughtUpAfter(this.received + this.subscription.readableLength));
    this.subscription.on('error', (err: Error) => this.fail(err));
    this.subscription.on('end', () => this.fail(new Error('EventStoreDB ended the subscription to $all')));
    this.subscription.on('close', () => this.fail(new Error('the subscription to $all was closed')));

    if (from === 'end') {
      this.subscription.once('confirmation', () => this.caughtUpAfter(this.received + this.subscription.readableLength));
    } else {
      findEndPosition().then(
        (end) => this.onEndPosition(end, from),
        // The server's own signals can still resolve caughtUp; a real outage surfaces on the stream.
        () => undefined,
      );
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return DONE;
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake();
    this.onClose();
    await this.release();
  }

  private async next(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      if (this.closed) return DONE;
      this.settleCaughtUp(true);
      const item = this.queue.shift();
      if (item !== undefined && item !== CAUGHT_UP) {
        this.delivered += 1;
        if (this.paused && this.queue.length <= SUBSCRIPTION_LOW_WATER) {
          this.paused = false;
          this.subscription.resume();
        }
        return { done: false, value: item };
      }
      if (this.failure) {
        const failure = this.failure;
        this.failure = undefined;
        this.finished = true;
        throw failure;
      }
      if (this.finished) return DONE;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private clientFilter(): Filter {
    const checkpointReached = (_: AllStreamSubscription, position: Position) => this.checkpoint(position.commit);
    const spec = serverFilterSpec(this.options.filter);
    switch (spec.on) {
      case 'streamName':
        return streamNameFilter({ prefixes: spec.prefixes, checkpointReached });
      case 'eventType':
        return eventTypeFilter({ regex: spec.regex, checkpointReached });
      case 'excludeSystemEvents':
        return excludeSystemEvents({ checkpointReached });
    }
  }

  private receive(resolved: AllStreamResolvedEvent) {
    this.received += 1;
    const position = resolved.event?.position?.commit ?? resolved.commitPosition;
    if (position !== undefined && position > this.maxReceivedPosition) this.maxReceivedPosition = position;
    const event = toRecordedEvent(resolved);
    if (event && !isSystemEvent(event) && matchesFilter(event, this.options.filter)) this.queue.push(event);
    if (
      (this.endPosition !== undefined && position !== undefined && position >= this.endPosition) ||
      (this.caughtUpAt !== undefined && this.received >= this.caughtUpAt)
    ) {
      this.queueCaughtUp();
    }
    if (!this.paused && this.queue.length >= SUBSCRIPTION_HIGH_WATER) {
      this.paused = true;
      this.subscription.pause();
    }
    this.wake();
  }

  private checkpoint(position: bigint) {
    const at = this.received + this.subscription.readableLength;
    this.lastCheckpoint = { position, at };
    if (this.endPosition !== undefined && position >= this.endPosition) this.caughtUpAfter(at);
  }

  private onEndPosition(end: bigint | undefined, from: bigint | 'start') {
    // An empty `$all`, or a start at/after its end, has no history to wait for.
    if (end === undefined || (typeof from === 'bigint' && from >= end)) return this.queueCaughtUp();
    this.endPosition = end;
    // Signals that arrived before we knew the end: late by at most what is already queued.
    if (this.maxReceivedPosition >= end) this.queueCaughtUp();
    else if (this.lastCheckpoint && this.lastCheckpoint.position >= end) this.caughtUpAfter(this.lastCheckpoint.at);
  }

  /** Catch-up ends after the `count`-th raw event received from the client. */
  private caughtUpAfter(count: number) {
    this.caughtUpAt = Math.min(this.caughtUpAt ?? count, count);
    if (this.received >= this.caughtUpAt) this.queueCaughtUp();
  }

  private queueCaughtUp() {
    if (this.caughtUpQueued) return;
    this.caughtUpQueued = true;
    this.queue.push(CAUGHT_UP);
    this.settleCaughtUp(false);
    this.wake();
  }

  /**
   * Resolves once the marker is at the head of the queue and the consumer has come back for more
   * (it finished the last history event), or at once when there was no history to deliver.
   */
  private settleCaughtUp(consumerAsking: boolean) {
    if (this.queue[0] !== CAUGHT_UP || !(consumerAsking || this.delivered === 0)) return;
    this.queue.shift();
    this.resolveCaughtUp();
  }

  private fail(err: Error) {
    if (this.closed || this.finished || this.failure) return;
    this.failure = err;
    this.rejectCaughtUp(err);
    void this.release();
    this.wake();
  }

  private release(): Promise<void> {
    this.releasing ??= (async () => {
      this.subscription.off('data', this.onData);
      await this.subscription.unsubscribe().catch(() => undefined);
      this.subscription.destroy();
    })();
    return this.releasing;
  }

  private wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
