import { newEventId } from './event-id.js';
import {
  type AppendOptions,
  type AppendResult,
  type CountAllResult,
  type EventStore,
  type EventSubscription,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
} from './event-store.port.js';
import { assertExpectedRevision } from './expected-revision.js';

/**
 * An event store that reads through to a real one and keeps its own appends in memory, so the
 * real command handlers can run a command to the end ("what would happen?") and leave the real
 * store untouched. Appends check expected revisions against real and buffered events together, so
 * a dry run refuses what a real run would.
 *
 * Buffered events get positions above any real one (they are not real positions: callers show the
 * events, not where they would land). Stream reads only; `$all` reads and subscriptions are refused
 * because a dry run has no business following the log.
 */
export class DryRunEventStore implements EventStore {
  readonly kind: EventStore['kind'];
  private readonly pending = new Map<string, RecordedEvent[]>();
  private readonly appended: RecordedEvent[] = [];
  private nextPosition = BigInt(Number.MAX_SAFE_INTEGER);

  constructor(private readonly base: EventStore) {
    this.kind = base.kind;
  }

  /** What the run would have appended, in order. */
  get events(): readonly RecordedEvent[] {
    return this.appended;
  }

  async appendToStream(streamName: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    for (const read of options.alsoExpected ?? []) {
      const [last] = await this.readStream(read.streamName, { direction: 'backwards', fromRevision: 'end', maxCount: 1 });
      assertExpectedRevision(read.streamName, read.revision, last?.revision);
    }
    const existing = await this.readStream(streamName);
    const last = existing.at(-1);
    assertExpectedRevision(streamName, options.expectedRevision ?? 'any', last?.revision);

    let revision = last ? last.revision : -1n;
    const recorded = events.map((e) => {
      revision += 1n;
      this.nextPosition += 1n;
      return {
        id: e.id ?? newEventId(),
        streamName,
        revision,
        position: this.nextPosition,
        type: e.type,
        data: e.data,
        metadata: e.metadata ?? {},
        created: new Date(),
      } satisfies RecordedEvent;
    });
    this.pending.set(streamName, [...(this.pending.get(streamName) ?? []), ...recorded]);
    this.appended.push(...recorded);
    return { nextExpectedRevision: revision, position: this.nextPosition };
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const buffered = this.pending.get(streamName);
    if (!buffered) return this.base.readStream(streamName, options);
    // Few streams are touched by one command: reading the real stream whole and slicing is simpler
    // than merging two windows.
    const all = [...(await this.base.readStream(streamName)), ...buffered];
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision;
    let selected = all.filter((e) => {
      if (from === undefined || from === 'start' || from === 'end') return true;
      return backwards ? e.revision <= from : e.revision >= from;
    });
    if (backwards) selected = selected.reverse();
    if (from === 'end' && !backwards) selected = [];
    if (from === 'start' && backwards) selected = selected.slice(-1);
    return options.maxCount === undefined ? selected : selected.slice(0, options.maxCount);
  }

  readAll(_options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return Promise.reject(new Error('a dry run reads streams only'));
  }

  countAll(): Promise<CountAllResult> {
    return Promise.reject(new Error('a dry run reads streams only'));
  }

  subscribeToAll(): EventSubscription {
    throw new Error('a dry run cannot subscribe');
  }

  ping(): Promise<void> {
    return this.base.ping();
  }

  /** The base store belongs to the caller. */
  async close(): Promise<void> {}
}
