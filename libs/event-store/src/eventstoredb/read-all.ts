import esdb from '@eventstore/db-client';
import type { EventStoreDBClient as Client, Position } from '@eventstore/db-client';
import { type ReadAllOptions, type RecordedEvent, matchesFilter } from '../event-store.port.js';
import { collect, isSystemEvent, toReadPosition, toRecordedEvent } from './mappings.js';

const { END, FORWARDS, BACKWARDS } = esdb;

/** readAll pages: big enough to amortise a round trip, small enough not to over-read for maxCount. */
const PAGE_MIN = 32;
const PAGE_MAX = 512;

/**
 * The 6.2.1 client cannot send a filter with readAll, so we page through `$all` and filter here;
 * `maxCount` counts what we return. A selective filter over a large `$all` therefore scans it:
 * long-running readers should prefer subscribeToAll, whose filter runs on the server.
 */
export async function readAll(client: Client, options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
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
    const page = await collect(client.readAll({ direction: backwards ? BACKWARDS : FORWARDS, fromPosition: cursor, maxCount: pageSize }));
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

/** Position of the newest record in `$all`, system events included; undefined when empty. */
export async function lastAllPosition(client: Client): Promise<bigint | undefined> {
  const [last] = await collect(client.readAll({ maxCount: 1, direction: BACKWARDS, fromPosition: END }));
  return last?.event?.position?.commit ?? last?.commitPosition;
}
