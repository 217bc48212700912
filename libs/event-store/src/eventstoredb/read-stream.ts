import esdb from '@eventstore/db-client';
import type { EventStoreDBClient as Client, ReadRevision } from '@eventstore/db-client';
import type { ReadStreamOptions, RecordedEvent } from '../event-store.port.js';
import { collect, isStreamNotFound, toRecordedEvent } from './mappings.js';

const { START, END, FORWARDS, BACKWARDS } = esdb;

/** The port's readStream: a missing stream reads as empty. */
export async function readStream(client: Client, streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
  const backwards = options.direction === 'backwards';
  const from = options.fromRevision ?? (backwards ? 'end' : 'start');
  if (options.maxCount !== undefined && options.maxCount <= 0) return [];
  // Forwards from END is unspecified on the server; the port (and SQLite) say "nothing".
  if (!backwards && from === 'end') return [];
  const fromRevision: ReadRevision = from === 'start' ? (backwards ? 0n : START) : from === 'end' ? END : from;
  try {
    const read = client.readStream(streamName, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision,
      ...(options.maxCount !== undefined && { maxCount: options.maxCount }),
    });
    return (await collect(read)).map(toRecordedEvent).filter((e): e is RecordedEvent => e !== undefined);
  } catch (err) {
    if (isStreamNotFound(err)) return [];
    throw err;
  }
}

/** The stream's newest event; undefined when the stream is missing. */
export async function lastStreamEvent(client: Client, streamName: string): Promise<RecordedEvent | undefined> {
  const [last] = await readStream(client, streamName, { direction: 'backwards', fromRevision: 'end', maxCount: 1 });
  return last;
}
