import { randomUUID } from 'node:crypto';
import { type EventFilter, defaultAllFilter, fromFilterOptions } from './event-filter.js';
import type { EventLog, StoredEvent } from './event-log.js';
import { handlerException, invalidArgument } from './errors.js';
import { BEFORE_START, END, type TfPos, at, compare, fromWire, isEnd, streamRevisionToInt64, toWire } from './positions.js';
import { type ReadReqOptions, streamNameOf } from './proto.js';
import { type ResponseStream, type UuidForm, caughtUpResponse, checkpointResponse, confirmationResponse, eventResponse } from './read-response.js';

/** `Enumerator.ReadBatchSize`: events per catch-up page. */
const READ_BATCH_SIZE = 32;

interface Checkpoints {
  /** Events considered between two checkpoints: multiplier × search window. */
  interval: bigint;
  window: number;
}

/**
 * Catch-up subscription to `$all`, after `Enumerator.AllSubscription` and
 * `Enumerator.AllSubscriptionFiltered` (oss-v24.2.0) and the live side of `SubscriptionsService`.
 *
 * Sequence on the wire: confirmation; catch-up events from the log in pages (filtered: plus a
 * checkpoint each time `interval` events have been considered, and one when catch-up reaches the
 * end); `caught_up`; then live events (filtered: plus a checkpoint every `interval` events committed
 * since the subscription started, matching or not). The start position is exclusive.
 *
 * The server feeds the live phase from a 32-slot buffer and, when a slow reader lets it overflow,
 * "falls behind": it re-reads the log and later sends another `caught_up`. The double's live phase
 * reads the log directly under gRPC flow control, so it never falls behind; the events and their
 * order are the same, only that extra `caught_up` (and the checkpoint sent with it) never occurs.
 */
export async function subscribeToAll(log: EventLog, options: ReadReqOptions, uuidForm: UuidForm, out: ResponseStream) {
  const filtered = options.hasFilter();
  const filter: EventFilter = filtered ? fromFilterOptions(options.getFilter()!) : defaultAllFilter;
  const checkpoints = filtered ? checkpointSettings(options) : undefined;
  const allOptions = options.getAll()!;
  const requested: TfPos | undefined = allOptions.hasStart()
    ? undefined
    : allOptions.hasEnd()
      ? END
      : fromWire(allOptions.getPosition()!.getCommitPosition(), allOptions.getPosition()!.getPreparePosition());

  // Registering for live events first and reading history afterwards is what makes the hand-over
  // gap-free: everything committed after this point is also seen by the live phase.
  const confirmedAt = at(log.lastIndexedPosition());
  let liveIndex = log.all.length;
  if (!(await out.write(confirmationResponse(randomUUID())))) return;

  let sentEvent: TfPos | undefined;
  let sentCheckpoint: TfPos | undefined;
  // `MoveNextAsync` drops anything not strictly after what was already sent.
  const sendEvent = (event: StoredEvent) => {
    const position = at(event.position);
    if (sentEvent && compare(position, sentEvent) <= 0) return Promise.resolve(true);
    sentEvent = position;
    return out.write(eventResponse(event, uuidForm));
  };
  const sendCheckpoint = (position: TfPos) => {
    // Compared as sent: (-1,-1) goes out as End (uint64 max), after which every later checkpoint
    // compares lower and is dropped for the rest of the subscription.
    const wire = toWire(position);
    const sent = { commit: BigInt(wire.commit), prepare: BigInt(wire.prepare) };
    if (sentCheckpoint && compare(sent, sentCheckpoint) <= 0) return Promise.resolve(true);
    sentCheckpoint = sent;
    return out.write(checkpointResponse(position));
  };

  // Where the client stands: (-1,-1) from the start, the confirmation point for End.
  let checkpoint = requested === undefined ? BEFORE_START : isEnd(requested) ? confirmedAt : requested;

  if (compare(checkpoint, confirmedAt) < 0) {
    let counter = 0n;
    let pageStart = checkpoint.commit < 0n && checkpoint.prepare < 0n ? { commit: 0n, prepare: 0n } : checkpoint;
    for (;;) {
      const page = readPage(log, pageStart, filter, checkpoints?.window ?? Number.POSITIVE_INFINITY);
      for (const event of page.events) {
        if (compare(at(event.position), checkpoint) <= 0) continue;
        if (!(await sendEvent(event))) return;
        checkpoint = at(event.position);
      }
      if (!checkpoints) {
        if (page.isEnd) break;
      } else {
        counter += BigInt(page.considered);
        if (page.isEnd) {
          if (!(await sendCheckpoint(checkpoint))) return;
          break;
        }
        if (counter >= checkpoints.interval) {
          counter %= checkpoints.interval;
          if (compare(checkpoint, page.start) < 0) checkpoint = page.start;
          if (!(await sendCheckpoint(checkpoint))) return;
        }
      }
      pageStart = page.next;
    }
  }

  if (!(await out.write(caughtUpResponse()))) return;
  let liveCounter = 0n;
  for (;;) {
    while (liveIndex < log.all.length) {
      const event = log.all[liveIndex++];
      const position = at(event.position);
      if (filter(event) && compare(position, checkpoint) > 0) {
        if (!(await sendEvent(event))) return;
        checkpoint = position;
      }
      if (checkpoints && ++liveCounter >= checkpoints.interval) {
        liveCounter = 0n;
        if (compare(position, checkpoint) >= 0) {
          if (!(await sendCheckpoint(position))) return;
          checkpoint = position;
        }
      }
    }
    if (!(await out.until(log.changed()))) return;
  }
}

/**
 * Catch-up subscription to one stream, after `Enumerator.StreamSubscription`: confirmation, the
 * events after the start revision (exclusive), `caught_up`, live events. A missing stream is not an
 * error: the subscription waits for it.
 */
export async function subscribeToStream(log: EventLog, options: ReadReqOptions, uuidForm: UuidForm, out: ResponseStream) {
  const streamOptions = options.getStream()!;
  const streamName = streamNameOf(streamOptions.getStreamIdentifier());
  if (streamName === undefined) throw handlerException();
  // null = Start, -1 = End (also what a revision of uint64 max means).
  const requested = streamOptions.hasStart() ? undefined : streamOptions.hasEnd() ? -1n : streamRevisionToInt64(streamOptions.getRevision());

  const lastRevision = () => BigInt((log.stream(streamName)?.length ?? 0) - 1);
  const confirmedAt = lastRevision();
  if (!(await out.write(confirmationResponse(randomUUID())))) return;

  let checkpoint = requested === undefined ? -1n : requested === -1n ? confirmedAt : requested;
  const send = async (event: StoredEvent) => {
    if (event.revision <= checkpoint) return true;
    checkpoint = event.revision;
    return out.write(eventResponse(event, uuidForm));
  };

  if (checkpoint < confirmedAt) {
    // Catch-up reads the stream as it is now, up to its current end.
    for (let i = Number(checkpoint + 1n); i < (log.stream(streamName)?.length ?? 0); i++) {
      if (!(await send(log.stream(streamName)![i]))) return;
    }
  }

  if (!(await out.write(caughtUpResponse()))) return;
  let liveIndex = Number(confirmedAt + 1n);
  for (;;) {
    const events = log.stream(streamName) ?? [];
    while (liveIndex < events.length) {
      if (!(await send(events[liveIndex++]))) return;
    }
    if (!(await out.until(log.changed()))) return;
  }
}

/** `AllSubscriptionFiltered`: window = `max`, or ReadBatchSize for `count`; multiplier 0 is refused. */
function checkpointSettings(options: ReadReqOptions): Checkpoints {
  const filter = options.getFilter()!;
  if (!filter.hasMax() && !filter.hasCount()) {
    throw invalidArgument("'None' is not a valid EventStore.Client.Streams.ReadReq+Types+Options+Types+FilterOptions+WindowOneofCase");
  }
  const window = filter.hasMax() ? filter.getMax() : READ_BATCH_SIZE;
  const multiplier = filter.getCheckpointintervalmultiplier();
  if (multiplier === 0) throw handlerException();
  return { interval: BigInt(multiplier) * BigInt(window), window };
}

interface Page {
  events: StoredEvent[];
  considered: number;
  /** Where the page read started (`CurrentPos`). */
  start: TfPos;
  /** Where the next page starts: just after the last event considered (`NextPos`). */
  next: TfPos;
  isEnd: boolean;
}

/**
 * One `FilteredReadAllEventsForward` page (`AllReader.ReadAllEventsForwardInternal`): at most
 * ReadBatchSize matching events and at most `window` events considered; the end of the log is
 * reported only when the page stops because it ran out of events.
 */
function readPage(log: EventLog, start: TfPos, filter: EventFilter, window: number): Page {
  const events: StoredEvent[] = [];
  let considered = 0;
  let next = start;
  let isEnd = false;
  let i = log.firstIndexAtOrAfter(start);
  while (events.length < READ_BATCH_SIZE && considered < window) {
    if (i >= log.all.length) {
      isEnd = true;
      break;
    }
    const event = log.all[i++];
    considered += 1;
    if (filter(event)) events.push(event);
    next = { commit: event.postPosition, prepare: 0n };
  }
  return { events, considered, start, next, isEnd };
}
