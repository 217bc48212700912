import type { AllFilter, EventStore, RecordedEvent } from './event-store.port.js';

/**
 * Groups a stream of items into batches of what has already arrived: waits for the first item,
 * then takes every item that is ready without waiting (a macrotask race tells "ready" from "would
 * block"), up to `max`. Catch-up thus runs in large batches and live traffic in small ones.
 */
export async function* batchesOf<T>(source: AsyncIterable<T>, max: number): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | null = null;
  for (;;) {
    const first: IteratorResult<T> = await (pending ?? iterator.next());
    pending = null;
    if (first.done) return;
    const batch = [first.value];
    while (batch.length < max) {
      const next = iterator.next();
      const ready = await Promise.race([next, new Promise<null>((r) => setImmediate(() => r(null)))]);
      if (ready === null) {
        pending = next;
        break;
      }
      if (ready.done) {
        yield batch;
        return;
      }
      batch.push(ready.value);
    }
    yield batch;
  }
}

/**
 * `$all` from the start (or after `after`), in pages of at most `pageSize` events, for readers that
 * go through the log once rather than follow it.
 */
export async function* pagesOfAll(events: Pick<EventStore, 'readAll'>, options: { pageSize: number; filter?: AllFilter; after?: bigint | null }): AsyncGenerator<RecordedEvent[]> {
  let position: bigint | 'start' = options.after == null ? 'start' : options.after + 1n;
  for (;;) {
    const page = await events.readAll({ fromPosition: position, maxCount: options.pageSize, ...(options.filter && { filter: options.filter }) });
    if (page.length) yield page;
    if (page.length < options.pageSize) return;
    position = page[page.length - 1].position + 1n;
  }
}
