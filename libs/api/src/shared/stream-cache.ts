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
 * A bounded map, least recently used out first (approximately: see `entries`), from stream name
 * to its folded state at a revision, held by the `StreamRunner` of one process. Being old is its
 * only failure, and it cannot decide anything alone: the runner either reads the events after the
 * entry's revision (a tail read) or records the entry's revision in the command's `ReadSet` and
 * appends with it, so a stream moved by another writer (another process on the file, another API
 * instance) refuses the append; the runner then drops the entry and decides again on a fresh read
 * (stream-runner.ts).
 *
 * Capacity 0 turns it off (every read is a full read, as before the cache).
 */
export class StreamCache {
  /**
   * In insertion order, each with whether it was used since the last eviction pass (CLOCK, an
   * approximation of least-recently-used): a hit only sets `used` instead of moving the entry to
   * the end of the Map (a delete and a set), which a profile of the bench's HTTP ingest showed
   * taking 2.6 % of the engine's main thread.
   */
  private readonly entries = new Map<string, { entry: CachedStream; used: boolean }>();

  /** `capacity`: streams held at most (STREAM_CACHE_SIZE, libs/config). */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new Error(`stream cache capacity must be a non-negative integer, got ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get<S>(streamName: string, fold: object): CachedStream<S> | undefined {
    const held = this.entries.get(streamName);
    if (!held || held.entry.fold !== fold) return undefined;
    held.used = true;
    return held.entry as CachedStream<S>;
  }

  /** Keeps `entry` unless the cache already holds the stream further on (two readers refreshing at once). */
  set(streamName: string, entry: CachedStream): void {
    if (this.capacity === 0 || !isHotStream(streamName)) return;
    const held = this.entries.get(streamName);
    if (held) {
      if (held.entry.fold === entry.fold && newer(held.entry.revision, entry.revision)) return;
      held.entry = entry;
      held.used = true;
      return;
    }
    this.entries.set(streamName, { entry, used: false });
    if (this.entries.size > this.capacity) this.makeRoom();
  }

  /**
   * Down to nine tenths of the capacity in one pass (not one entry per `set`, which would walk the
   * Map from its start each time): the oldest entries not used since the last pass go, and a used
   * one loses its mark and stays for one more pass (CLOCK's second chance). A second pass finds
   * every mark cleared, so it always gets there.
   */
  private makeRoom(): void {
    const keep = this.capacity - Math.floor(this.capacity / 10);
    for (let pass = 0; pass < 2 && this.entries.size > keep; pass++) {
      for (const [name, held] of this.entries) {
        if (this.entries.size <= keep) return;
        if (held.used) held.used = false;
        else this.entries.delete(name);
      }
    }
  }

  /** True when the cache holds the stream with at least one event (a stream, once written, exists for good). */
  has(streamName: string): boolean {
    const held = this.entries.get(streamName);
    return held !== undefined && held.entry.revision !== 'no_stream';
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
