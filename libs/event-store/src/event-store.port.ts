import type { ActualRevision, ExpectedRevision } from './expected-revision.js';

/**
 * The event store port. Semantics follow EventStoreDB's model so that the SQLite adapter (embedded
 * default) and the EventStoreDB adapter (distributed) are interchangeable; the contract suite in
 * `contract/` is the executable definition of this file.
 */

export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  source?: 'api' | 'incoming-webhook' | 'cli' | 'system';
  [key: string]: unknown;
}

export interface NewEvent<T extends string = string, D = unknown> {
  /** UUID; generated when absent (`newEventId`: time-ordered). */
  id?: string;
  type: T;
  data: D;
  metadata?: EventMetadata;
}

/** An event's type and payload; a union of these lets a recorded event's `type` narrow its `data`. */
export interface EventShape {
  type: string;
  data: unknown;
}

/** What the store says of any event: a type name and a JSON payload it does not interpret. */
export interface UntypedEvent {
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an event read back is untyped until its reader narrows it by `type`; `unknown` here would make every reader cast first
  data: any;
}

/** What the store adds to an event when it records it. */
export interface RecordedEnvelope {
  id: string;
  streamName: string;
  revision: bigint;
  /** Global position in `$all`: unique, strictly increasing, not necessarily contiguous. */
  position: bigint;
  metadata: EventMetadata;
  created: Date;
}

/**
 * A recorded event. The store is generic: untyped by default. Given a union of event shapes, each
 * member is recorded on its own (the type distributes), so checking `type` narrows `data`.
 */
export type RecordedEvent<E extends EventShape = UntypedEvent> = E extends EventShape ? RecordedEnvelope & E : never;

/**
 * Narrows a recorded event to the union `E` when its type is one of `types` (`E`'s type names). The
 * log holds JSON: the type name is the evidence of the payload's shape, which its writer's types
 * define.
 */
export function isRecordedOf<E extends EventShape>(types: ReadonlySet<E['type']>, event: RecordedEvent): event is RecordedEvent<E> {
  return (types as ReadonlySet<string>).has(event.type);
}

/** Another stream an append depends on, at the revision its writer read (its last revision, or 'no_stream'). */
export interface ReadRevision {
  streamName: string;
  revision: ActualRevision;
}

export interface AppendOptions {
  /** The appended stream's revision the writer read; default 'any'. */
  expectedRevision?: ExpectedRevision;
  /**
   * The other streams the decision read, each at the revision read: one that has moved since
   * refuses the append with `WrongExpectedRevisionError` naming that stream, and nothing is
   * written. So a decision made on a state that was no longer current is never committed. SQLite
   * checks them in the append's own transaction (atomic with the write, against every process on
   * the file); EventStoreDB, which has no multi-stream condition, reads each stream's last revision
   * just before the append, as a fresh read before deciding would have.
   */
  alsoExpected?: readonly ReadRevision[];
}

export interface AppendResult {
  /** Revision of the last event written. */
  nextExpectedRevision: bigint;
  /** Global position of the last event written. */
  position: bigint;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  direction?: Direction;
  /** Forwards: revisions >= from. Backwards: revisions <= from, newest first. Default start/end. */
  fromRevision?: bigint | 'start' | 'end';
  maxCount?: number;
}

export interface AllFilter {
  /**
   * Stream name starts with any of these (case-sensitive). The SQLite adapter reads a prefix that
   * ends at a name's first '.', or one with a '.' further in, through an index in position order
   * (a page costs its rows, not the log); see sqlite/stream-prefix-query.ts for the others.
   */
  streamPrefixes?: string[];
  /** Event type equals any of these. */
  eventTypes?: string[];
}

export interface ReadAllOptions {
  direction?: Direction;
  /** Forwards: positions >= from (inclusive). Backwards: positions < from (exclusive). */
  fromPosition?: bigint | 'start' | 'end';
  maxCount?: number;
  filter?: AllFilter;
}

/** `$all` forwards in pages, for a reader that goes through the log once (`pagesOfAll`). */
export interface PagesOfAllOptions {
  pageSize: number;
  filter?: AllFilter;
  /** Events after this position (exclusive); null or absent: from the start of the log. */
  after?: bigint | null;
}

export interface CountAllOptions {
  /** Counts events at positions >= this (inclusive). */
  fromPosition: bigint | 'start';
  /** Counting stops here: past it, "far behind" is all a caller needs. */
  limit: number;
}

export interface CountAllResult {
  /** Events counted, at most the limit. */
  count: number;
  /** When the first of them was written; null when there is none. */
  firstCreated: Date | null;
}

export interface SubscribeToAllOptions {
  /** Exclusive: delivers events strictly after this position. Default 'start'. */
  fromPosition?: bigint | 'start' | 'end';
  filter?: AllFilter;
}

/**
 * A catch-up subscription: iterate it to receive events in `$all` order, first the history after
 * `fromPosition`, then live events, with no gap and no duplicate. `caughtUp` resolves once the
 * history has been delivered. `close()` ends the iteration.
 */
export interface EventSubscription extends AsyncIterable<RecordedEvent> {
  readonly caughtUp: Promise<void>;
  close(): Promise<void>;
}

export interface EventStore {
  readonly kind: 'sqlite' | 'eventstoredb';
  /** Rejects with `WrongExpectedRevisionError` when `expectedRevision` or one of `alsoExpected` does not hold. */
  appendToStream(streamName: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** A missing stream reads as empty. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** How far the log runs past a position, without handing (or, where the store can, reading) the events: a projection's lag. */
  countAll(options: CountAllOptions): Promise<CountAllResult>;
  subscribeToAll(options?: SubscribeToAllOptions): EventSubscription;
  /**
   * Optional: `$all` forwards in pages, each read while the caller is still using the one before,
   * for a reader that goes through a long log once (a rebuild); `pagesOfAll(…, { readAhead: true })`
   * uses it where the store has it. The pages are those `readAll` gives in a loop. The SQLite store
   * reads them on a thread of its own.
   */
  readAllAhead?(options: PagesOfAllOptions): AsyncIterable<RecordedEvent[]>;
  /** Cheap liveness probe for /health. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** True when `event` passes `filter` (empty lists mean no constraint). */
export function matchesFilter(event: { streamName: string; type: string }, filter?: AllFilter): boolean {
  if (!filter) return true;
  const { streamPrefixes, eventTypes } = filter;
  if (streamPrefixes?.length && !streamPrefixes.some((p) => event.streamName.startsWith(p))) return false;
  if (eventTypes?.length && !eventTypes.includes(event.type)) return false;
  return true;
}
