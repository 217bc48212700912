import type { EventStore, PagesOfAllOptions, RecordedEvent } from './event-store.port.js';

/**
 * Groups a stream of items into batches of what has already arrived: waits for the first item,
 * then takes every item that is ready without waiting (a race against one macrotask per batch tells
 * "ready" from "would block"), up to `max`. Catch-up thus runs in large batches and live traffic in
 * small ones.
 *
 * Between batches the generator waits for one turn of the event loop. A source backed by synchronous
 * SQLite answers from microtasks only, so without that turn a catch-up ran as one unbroken microtask
 * chain: no timer (lease renewal), no socket (/health, listen) ran until the whole backlog was done,
 * and every per-item race left an Immediate queued behind it, so memory grew with the backlog
 * (measured: 350 MB peak and a lost lease for a projector 200k events behind).
 */
export async function* batchesOf<T>(source: AsyncIterable<T>, max: number): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | null = null;
  for (;;) {
    const first: IteratorResult<T> = await (pending ?? iterator.next());
    pending = null;
    if (first.done) return;
    const batch = [first.value];
    const tick = new Promise<null>((r) => setImmediate(() => r(null)));
    while (batch.length < max) {
      const next = iterator.next();
      const ready = await Promise.race([next, tick]);
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
    // The turn of the event loop (see above); `tick` has fired once this resolves.
    await tick;
    await new Promise<void>((r) => setImmediate(r));
  }
}

/**
 * `$all` from the start (or after `after`), in pages of at most `pageSize` events, for readers that
 * go through the log once rather than follow it. With `readAhead`, a store that can read the next
 * page while the caller uses this one (`readAllAhead`) does so; the pages are the same.
 */
export async function* pagesOfAll(events: Pick<EventStore, 'readAll' | 'readAllAhead'>, options: PagesOfAllOptions & { readAhead?: boolean }): AsyncGenerator<RecordedEvent[]> {
  if (options.readAhead && events.readAllAhead) {
    const { readAhead: _, ...paging } = options;
    yield* events.readAllAhead(paging);
    return;
  }
  let position: bigint | 'start' = options.after == null ? 'start' : options.after + 1n;
  for (;;) {
    const page = await events.readAll({ fromPosition: position, maxCount: options.pageSize, ...(options.filter && { filter: options.filter }) });
    if (page.length) yield page;
    if (page.length < options.pageSize) return;
    position = page[page.length - 1].position + 1n;
  }
}
