import type { EventStoreDBClient as Client } from '@eventstore/db-client';
import type { AppendResult, NewEvent, ReadRevision } from '../event-store.port.js';
import { assertExpectedRevision, type ExpectedRevision, WrongExpectedRevisionError } from '../expected-revision.js';
import { isWrongExpectedVersion, toActualRevision, toClientExpectedRevision, toEventData } from './mappings.js';
import { lastAllPosition } from './read-all.js';
import { lastStreamEvent } from './read-stream.js';

/**
 * The port's appendToStream. The server checks the expected revision; its wrong-expected-version
 * answer becomes the port's `WrongExpectedRevisionError`, as every adapter raises it.
 *
 * `alsoExpected` (the other streams the decision read) is checked by reading each stream's last
 * event just before the append: EventStoreDB has no condition across streams, so a write landing
 * between that read and the append is not seen, exactly as with a fresh read before deciding.
 */
export async function appendToStream(client: Client, streamName: string, events: NewEvent[], expected: ExpectedRevision, alsoExpected: readonly ReadRevision[] = []): Promise<AppendResult> {
  const current = await Promise.all(alsoExpected.map((read) => lastStreamEvent(client, read.streamName)));
  alsoExpected.forEach((read, i) => assertExpectedRevision(read.streamName, read.revision, current[i]?.revision));
  // The 6.2.1 client misreports an empty write (a `no_stream` answer becomes revision 0, and
  // there is no position), so answer it from reads instead; nothing is written either way.
  if (events.length === 0) return appendNothing(client, streamName, expected);
  try {
    const result = await client.appendToStream(streamName, events.map(toEventData), {
      expectedRevision: toClientExpectedRevision(expected),
    });
    // An idempotent retry (same event ids) can succeed without a position.
    const position = result.position?.commit ?? (await lastStreamEvent(client, streamName))?.position ?? -1n;
    return { nextExpectedRevision: result.nextExpectedRevision, position };
  } catch (err) {
    if (isWrongExpectedVersion(err)) {
      throw new WrongExpectedRevisionError(streamName, expected, toActualRevision(err.actualVersion));
    }
    throw err;
  }
}

/** An empty append writes nothing: the rule is checked here, against the stream as read. */
async function appendNothing(client: Client, streamName: string, expected: ExpectedRevision): Promise<AppendResult> {
  const current = (await lastStreamEvent(client, streamName))?.revision;
  assertExpectedRevision(streamName, expected, current);
  return { nextExpectedRevision: current ?? -1n, position: (await lastAllPosition(client)) ?? 0n };
}
