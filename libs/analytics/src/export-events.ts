import { withoutCredentials } from '@partner-ledger/domain';
import type { EventStore, RecordedEvent } from '@partner-ledger/event-store';
import { scanAll } from './history.js';

export type ExportFormat = 'ndjson' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['ndjson', 'csv'];

export interface ExportFilter {
  /** Stream name starts with any of these. */
  streamPrefixes?: string[];
  /** Event type is any of these. */
  types?: string[];
  /** Inclusive global position bounds. */
  fromPosition?: bigint;
  toPosition?: bigint;
  /** Inclusive bounds on the event's `created` time. */
  since?: Date;
  until?: Date;
}

export const CSV_COLUMNS = ['position', 'stream', 'revision', 'type', 'created', 'data', 'metadata'] as const;

/**
 * One NDJSON line (without the newline): positions and revisions as decimal strings, like the API.
 * Like every row an export writes, its payload is without credential material (a program key's hash).
 */
export function toNdjson(event: RecordedEvent): string {
  return JSON.stringify({
    position: String(event.position),
    id: event.id,
    stream: event.streamName,
    revision: String(event.revision),
    type: event.type,
    created: event.created.toISOString(),
    data: withoutCredentials(event.type, event.data),
    metadata: event.metadata,
  });
}

/** RFC 4180: a field with a comma, a quote, CR or LF is quoted, and its quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export const csvHeader = () => CSV_COLUMNS.join(',');

export function toCsvRow(event: RecordedEvent): string {
  return [
    String(event.position),
    event.streamName,
    String(event.revision),
    event.type,
    event.created.toISOString(),
    JSON.stringify(withoutCredentials(event.type, event.data)),
    JSON.stringify(event.metadata),
  ]
    .map(csvField)
    .join(',');
}

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export function matchesTime(event: RecordedEvent, filter: Pick<ExportFilter, 'since' | 'until'>): boolean {
  const t = event.created.getTime();
  return (filter.since === undefined || t >= filter.since.getTime()) && (filter.until === undefined || t <= filter.until.getTime());
}

/** The events an export selects, in `$all` order: store-side filters, then the time window. */
export async function* selectEvents(
  events: EventStore,
  filter: ExportFilter,
  options: { onProgress?: (done: number, total: number) => void; pageSize?: number } = {},
): AsyncGenerator<RecordedEvent> {
  // Times are not guaranteed monotonic along `$all` (several writers, clock steps), so a time window
  // filters the scan rather than ending it.
  for await (const event of scanAll(events, {
    filter: { streamPrefixes: filter.streamPrefixes, eventTypes: filter.types },
    fromPosition: filter.fromPosition,
    toPosition: filter.toPosition,
    onProgress: options.onProgress,
    pageSize: options.pageSize,
  })) {
    if (matchesTime(event, filter)) yield event;
  }
}

export interface ExportSink {
  /** Resolves once the text is accepted (honour backpressure). */
  write(text: string): Promise<void>;
}

/** Writes the selected events as NDJSON (one JSON object per line) or CSV (header + rows, CRLF). */
export async function exportEvents(
  events: EventStore,
  format: ExportFormat,
  filter: ExportFilter,
  sink: ExportSink,
  options: { onProgress?: (done: number, total: number) => void; pageSize?: number } = {},
): Promise<{ events: number }> {
  let count = 0;
  const eol = format === 'csv' ? '\r\n' : '\n';
  if (format === 'csv') await sink.write(csvHeader() + eol);
  let buffer = '';
  for await (const event of selectEvents(events, filter, options)) {
    buffer += (format === 'csv' ? toCsvRow(event) : toNdjson(event)) + eol;
    count += 1;
    if (buffer.length >= 64 * 1024) {
      await sink.write(buffer);
      buffer = '';
    }
  }
  if (buffer) await sink.write(buffer);
  return { events: count };
}
