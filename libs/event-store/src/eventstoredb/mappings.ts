// The client is CommonJS; its default export is `module.exports`, which works both under Node's ESM
// loader and Jest's native ESM mode (named imports depend on each loader's CJS export detection).
import esdb from '@eventstore/db-client';
import type { AllStreamResolvedEvent, AppendExpectedRevision, JSONType, ReadPosition, ResolvedEvent, StreamingRead } from '@eventstore/db-client';
import { newEventId } from '../event-id.js';
import type { AllFilter, EventMetadata, NewEvent, RecordedEvent } from '../event-store.port.js';
import type { ActualRevision, ExpectedRevision } from '../expected-revision.js';

/**
 * Pure mappings between the port and the client's types, shared by the operations (and tested
 * without a server).
 */

const { jsonEvent, ANY, NO_STREAM, STREAM_EXISTS, START, END, WrongExpectedVersionError, StreamNotFoundError } = esdb;

export function toClientExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return expected;
  }
}

/** The client reports a missing stream as 'no_stream' (and, on some paths, as revision -1). */
export function toActualRevision(actual: unknown): ActualRevision {
  return typeof actual === 'bigint' && actual >= 0n ? actual : 'no_stream';
}

/**
 * ESDB writes its own events into `$all` (`$metadata`, `$>` links, `$stats-…`, projections); the
 * port's `$all` holds only our events, as the SQLite adapter's does.
 */
export function isSystemEvent(event: { streamName: string; type: string }): boolean {
  return event.type.startsWith('$') || event.streamName.startsWith('$');
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The server matches regexes unanchored, so an exact-type filter needs explicit anchors. */
export function eventTypesRegex(types: string[]): string {
  return `^(${types.map(escapeRegex).join('|')})$`;
}

export type ServerFilterSpec = { on: 'streamName'; prefixes: string[] } | { on: 'eventType'; regex: string } | { on: 'excludeSystemEvents' };

/**
 * The server takes one expression (stream name OR event type), so it can narrow but not fully
 * apply an `AllFilter`; `matchesFilter` runs on every delivered event regardless.
 */
export function serverFilterSpec(filter?: AllFilter): ServerFilterSpec {
  if (filter?.streamPrefixes?.length) return { on: 'streamName', prefixes: [...filter.streamPrefixes] };
  if (filter?.eventTypes?.length) return { on: 'eventType', regex: eventTypesRegex(filter.eventTypes) };
  return { on: 'excludeSystemEvents' };
}

export function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event) return undefined;
  return {
    id: event.id,
    streamName: event.streamId,
    revision: event.revision,
    // Stream reads carry the position only on servers >= 22.6; -1n marks "unknown" rather than
    // inventing a plausible value.
    position: event.position?.commit ?? resolved.commitPosition ?? -1n,
    type: event.type,
    data: decodeData(event.data),
    metadata: decodeMetadata(event.metadata),
    created: event.created,
  };
}

/** Events written by other clients may be binary; decode them when they hold JSON anyway. */
function decodeData(data: unknown): unknown {
  if (!(data instanceof Uint8Array)) return data;
  try {
    return JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return data;
  }
}

function decodeMetadata(metadata: unknown): EventMetadata {
  return metadata && typeof metadata === 'object' && !Array.isArray(metadata) && !(metadata instanceof Uint8Array) ? (metadata as EventMetadata) : {};
}

export function toEventData(event: NewEvent) {
  return jsonEvent({
    id: event.id ?? newEventId(),
    type: event.type,
    // Same normalisation as the SQLite adapter, so both read back the same value.
    data: (event.data ?? {}) as JSONType,
    metadata: event.metadata,
  });
}

export function toReadPosition(from: bigint | 'start' | 'end'): ReadPosition {
  if (from === 'start') return START;
  if (from === 'end') return END;
  return { commit: from, prepare: from };
}

export function isWrongExpectedVersion(err: unknown): err is InstanceType<typeof WrongExpectedVersionError> {
  return err instanceof WrongExpectedVersionError || (err as { type?: unknown })?.type === 'wrong-expected-version';
}

export function isStreamNotFound(err: unknown): boolean {
  return err instanceof StreamNotFoundError || (err as { type?: unknown })?.type === 'stream-not-found';
}

/** Drains one of the client's streaming reads. */
export async function collect<E>(read: StreamingRead<E>): Promise<E[]> {
  const out: E[] = [];
  for await (const item of read) out.push(item);
  return out;
}
