import type { EventStore, RecordedEvent } from '@partner-ledger/event-store';
import { type Doc, type DocRef, isLedgerEvent, type Projection, REMOVE } from './projection.js';

/**
 * Folds events through projections into documents held in memory, keeping only the documents
 * `keep` wants. It is the same fold the runner does, without a store: time travel (`asOf`) and
 * rebuild checks use it to compute read models at any point of the history.
 */
export class InMemoryFold {
  readonly docs = new Map<string, Doc>();

  constructor(
    private readonly projections: readonly Projection[],
    private readonly keep: (ref: DocRef) => boolean = () => true,
  ) {}

  apply(event: RecordedEvent): void {
    if (!isLedgerEvent(event)) return;
    for (const projection of this.projections) {
      if (!projection.eventTypes.includes(event.type)) continue;
      for (const ref of projection.touches(event)) {
        if (!this.keep(ref)) continue;
        const key = `${ref.collection}\u0000${ref.id}`;
        const next = projection.apply(ref, this.docs.get(key) ?? null, event);
        if (next === REMOVE) this.docs.delete(key);
        else if (next) this.docs.set(key, next);
      }
    }
  }

  get(collection: string, id: string): Doc | null {
    return this.docs.get(`${collection}\u0000${id}`) ?? null;
  }
}

/**
 * Reads `$all` in pages, in order, filtered to the given stream prefixes, up to and including the
 * last event created at or before `until`.
 */
export async function* readUntil(events: EventStore, streamPrefixes: string[], until: Date, pageSize = 1000): AsyncGenerator<RecordedEvent> {
  let from: bigint | 'start' = 'start';
  for (;;) {
    const page = await events.readAll({ fromPosition: from, maxCount: pageSize, filter: { streamPrefixes } });
    for (const event of page) {
      if (event.created.getTime() > until.getTime()) return;
      yield event;
    }
    if (page.length < pageSize) return;
    from = page[page.length - 1].position + 1n;
  }
}
