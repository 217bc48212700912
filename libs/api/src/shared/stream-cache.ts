import type { ActualRevision, ReadRevision } from '@partner-ledger/event-store';

/**
 * The streams whose state a command reads besides the one it writes, and reads again and again:
 * programs, partners, customers, reservations of unique values and conversion triggers. A
 * transaction's stream is written once per sale under a new key, so caching it would only push
 * these out.
 */
const HOT_CATEGORIES = ['program-', 'partner-', 'customer-', 'unique-', 'trigger-'];

export const isHotStream = (streamName: string) => HOT_CATEGORIES.some((c) => streamName.startsWith(c));

/** A stream's state folded up to `revision`: a pure function of the stream's first events, so never wrong, only old. */
export interface CachedStream<S = unknown> {
  state: S;
  revision: ActualRevision;
  /** Global position of the event at `revision` (0 for no stream). */
  position: bigint;
  /** The fold that made `state`: an entry is only handed back to the same decider. */
  fold: object;
}

const newer = (a: ActualRevision, b: ActualRevision) => (a === 'no_stream' ? false : b === 'no_stream' ? true : a > b);

/**
 * A bounded, least-recently-used map from stream name to its folded state at a revision, held by
 * the `StreamRunner` of one process. Being old is its only failure, and it cannot decide anything
 * alone: the runner either reads the events after the entry's revision (a tail read) or records
 * the entry's revision in the command's `ReadSet` and appends with it, so a stream moved by another
 * writer (another process on the file, another API instance) refuses the append; the runner then
 * drops the entry and decides again on a fresh read (stream-runner.ts).
 *
 * Capacity 0 turns it off (every read is a full read, as before the cache).
 */
export class StreamCache {
  // A Map iterates in insertion order: re-inserting on every hit keeps the least recent first.
  private readonly entries = new Map<string, CachedStream>();

  /** `capacity`: streams held at most (STREAM_CACHE_SIZE, libs/config). */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new Error(`stream cache capacity must be a non-negative integer, got ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get<S>(streamName: string, fold: object): CachedStream<S> | undefined {
    const entry = this.entries.get(streamName);
    if (!entry || entry.fold !== fold) return undefined;
    this.entries.delete(streamName);
    this.entries.set(streamName, entry);
    return entry as CachedStream<S>;
  }

  /** Keeps `entry` unless the cache already holds the stream further on (two readers refreshing at once). */
  set(streamName: string, entry: CachedStream): void {
    if (this.capacity === 0 || !isHotStream(streamName)) return;
    const held = this.entries.get(streamName);
    if (held && held.fold === entry.fold && newer(held.revision, entry.revision)) return;
    this.entries.delete(streamName);
    this.entries.set(streamName, entry);
    if (this.entries.size > this.capacity) this.evictOldest();
  }

  /**
   * Down to nine tenths of the capacity in one pass, not one entry per `set`: finding the oldest
   * entry walks past the slots that moves to the end (`get`) left at the front of the Map until V8
   * compacts it, and that walk on every `set` of a full cache cost about 7 µs each at 10,000
   * entries (against 0.2 µs below capacity).
   */
  private evictOldest(): void {
    const keep = this.capacity - Math.floor(this.capacity / 10);
    for (const name of this.entries.keys()) {
      if (this.entries.size <= keep) return;
      this.entries.delete(name);
    }
  }

  /** True when the cache holds the stream with at least one event (a stream, once written, exists for good). */
  has(streamName: string): boolean {
    const entry = this.entries.get(streamName);
    return entry !== undefined && entry.revision !== 'no_stream';
  }

  evict(streamName: string): void {
    this.entries.delete(streamName);
  }
}

/**
 * The streams one decision read and the revision of each, so its append can carry them
 * (`alsoExpected`): a decision made on a state that moved meanwhile is refused by the store, never
 * committed. `trustCache` says whether a cached entry may be used without reading its tail: true on
 * a command's first decision, false when it decides again after a refusal.
 */
export class ReadSet {
  private readonly read = new Map<string, ActualRevision>();
  /** Streams answered from the cache without a read: a conflict on one of them means the entry was old. */
  private readonly unverified = new Set<string>();

  constructor(readonly trustCache: boolean) {}

  record(streamName: string, revision: ActualRevision, fromCache: boolean): void {
    this.read.set(streamName, revision);
    if (fromCache) this.unverified.add(streamName);
    else this.unverified.delete(streamName);
  }

  /** True when `streamName` was answered from the cache alone: a conflict on it is an old entry, not a race. */
  answeredFromCache(streamName: string): boolean {
    return this.unverified.has(streamName);
  }

  /** True when some stream was answered from the cache alone. */
  anyFromCache(): boolean {
    return this.unverified.size > 0;
  }

  /** What the append must find unchanged: every stream read but the one appended to. */
  expectations(except?: string): ReadRevision[] {
    const out: ReadRevision[] = [];
    for (const [streamName, revision] of this.read) if (streamName !== except) out.push({ streamName, revision });
    return out;
  }
}
