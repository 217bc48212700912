import { type TfPos, at, compare } from './positions.js';

/** The server's internal expected-version numbers (`ExpectedVersion` in EventStore.Core). */
export const ANY = -2n;
export const NO_STREAM = -1n;
export const STREAM_EXISTS = -4n;

export interface ProposedEvent {
  id: string;
  type: string;
  /** The server keeps only this flag; reads answer `application/json` or `application/octet-stream`. */
  isJson: boolean;
  data: Uint8Array;
  metadata: Uint8Array;
}

export interface StoredEvent extends ProposedEvent {
  streamName: string;
  revision: bigint;
  /** Log position of the event's prepare record; commit = prepare for self-committed writes. */
  position: bigint;
  /** Position just after the record: where the next record starts. */
  postPosition: bigint;
  created: Date;
}

export type WriteResult =
  | {
      kind: 'written' | 'idempotent';
      /** Last revision of the stream after the write; -1 when it still has no events. */
      lastRevision: bigint;
      position: bigint | undefined;
    }
  | { kind: 'wrong_expected_version'; currentRevision: bigint };

/**
 * A real transaction file starts with an epoch record and other system records, so no event ever
 * sits at position 0; start the first event past a record of that size.
 */
const FIRST_EVENT_POSITION = 128n;

/**
 * Roughly the on-disk size of a v2 prepare record (length prefix and suffix, header, flags,
 * transaction fields, ids, timestamp, then the variable parts), so that positions grow by uneven
 * amounts like the real server's and nobody can rely on contiguity.
 */
function recordSize(streamName: string, event: ProposedEvent): bigint {
  const fixed = 8 + 10 + 22 + 32 + 8 + 4 + 4;
  const variable = 1 + Buffer.byteLength(streamName, 'utf8') + 1 + Buffer.byteLength(event.type, 'utf8') + event.data.length + event.metadata.length;
  return BigInt(fixed + variable);
}

/**
 * Streams, the global log (`$all`) and the id index, all in memory. Appends are atomic because the
 * double runs on one JavaScript thread: a write is decided and applied in one synchronous call, like
 * the server's single writer thread.
 */
export class EventLog {
  /** `$all` in position order. */
  readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  /** The server's committed-events cache (event id → where it was written), newest write wins. */
  private readonly byId = new Map<string, StoredEvent>();
  private writerPosition = FIRST_EVENT_POSITION;
  private waiters: Array<() => void> = [];

  stream(streamName: string): readonly StoredEvent[] | undefined {
    return this.streams.get(streamName);
  }

  /** The position a new subscription is confirmed at; -1 while the log holds no event. */
  lastIndexedPosition(): bigint {
    return this.all.at(-1)?.position ?? -1n;
  }

  /** Index of the first event at or after `from` (forward reads are inclusive). */
  firstIndexAtOrAfter(from: TfPos): number {
    let lo = 0;
    let hi = this.all.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(at(this.all[mid].position), from) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Index just past the last event whose record ends at or before `before`: a backward read from a
   * position returns the records that end there or earlier, i.e. the events strictly before it.
   */
  endIndexBackwardsFrom(before: TfPos): number {
    let lo = 0;
    let hi = this.all.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(at(this.all[mid].postPosition), before) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Resolves after the next write; long-lived readers (subscriptions) wait on it. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * `StorageWriterService.WritePrepares` + `IndexWriter.CheckCommit`, including the idempotency
   * rules: a retry carrying the ids of events already written at that place answers the original
   * result instead of writing again, and a partial match is a wrong expected version.
   */
  write(streamName: string, expectedVersion: bigint, events: ProposedEvent[]): WriteResult {
    const existing = this.streams.get(streamName);
    const current = existing ? BigInt(existing.length - 1) : NO_STREAM;
    const decision = this.checkCommit(streamName, existing, current, expectedVersion, events);
    if (decision.kind !== 'ok') return decision;
    if (events.length === 0) {
      // The server writes an empty prepare and nothing becomes readable. UNCONFIRMED: the exact
      // revision/position it reports for an empty write; the double reports the current revision and
      // no position.
      return { kind: 'written', lastRevision: current, position: undefined };
    }

    const stream = existing ?? [];
    const created = new Date();
    let last: StoredEvent | undefined;
    for (const [i, event] of events.entries()) {
      const position = this.writerPosition;
      this.writerPosition += recordSize(streamName, event);
      last = {
        ...event,
        streamName,
        revision: current + 1n + BigInt(i),
        position,
        postPosition: this.writerPosition,
        created,
      };
      stream.push(last);
      this.all.push(last);
      this.byId.set(event.id, last);
    }
    if (!existing) this.streams.set(streamName, stream);

    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
    return { kind: 'written', lastRevision: last!.revision, position: last!.position };
  }

  private checkCommit(streamName: string, stream: StoredEvent[] | undefined, current: bigint, expected: bigint, events: ProposedEvent[]): { kind: 'ok' } | WriteResult {
    const ok = { kind: 'ok' } as const;
    const wrong = { kind: 'wrong_expected_version', currentRevision: current } as const;

    if (!stream) return expected === ANY || expected === NO_STREAM ? ok : wrong;

    if (expected === ANY || expected === STREAM_EXISTS) {
      let first: StoredEvent | undefined;
      let last: StoredEvent | undefined;
      for (const event of events) {
        const known = this.byId.get(event.id);
        if (!known || known.streamName !== streamName) return first ? wrong : ok;
        first ??= known;
        last = known;
      }
      return last ? this.idempotent(last) : ok;
    }

    if (expected < current) {
      let revision = expected;
      for (const event of events) {
        revision += 1n;
        const known = this.byId.get(event.id);
        if (known && known.streamName === streamName && known.revision === revision) continue;
        if (revision <= current && stream[Number(revision)].id === event.id) continue;
        // A different first event is a plain conflict; a different later one means the retry only
        // partly matches ("corrupted idempotency"), which the server also answers as a conflict.
        return wrong;
      }
      return revision === expected ? wrong : this.idempotent(stream[Number(revision)]);
    }

    return expected > current ? wrong : ok;
  }

  private idempotent(last: StoredEvent): WriteResult {
    return { kind: 'idempotent', lastRevision: last.revision, position: last.position };
  }
}
