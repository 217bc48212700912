import type { AllFilter, RecordedEvent } from '../event-store.port.js';

/** An event as the `events` table holds it: what a read returns, and what an append just wrote. */
export interface EventRow {
  position: number | bigint;
  id: string;
  stream: string;
  revision: number | bigint;
  type: string;
  data: string;
  metadata: string;
  created: number;
}

export function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    streamName: row.stream,
    revision: BigInt(row.revision),
    position: BigInt(row.position),
    type: row.type,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
    created: new Date(Number(row.created)),
  };
}

/** `filter` applied to a row in memory, as the SQL of a filtered `$all` read applies it (both conditions). */
export function rowMatches(filter: AllFilter | undefined, row: EventRow): boolean {
  if (filter?.eventTypes?.length && !filter.eventTypes.includes(row.type)) return false;
  if (filter?.streamPrefixes?.length && !filter.streamPrefixes.some((prefix) => row.stream.startsWith(prefix))) return false;
  return true;
}
