import type { ServerWritableStream } from '@grpc/grpc-js';
import { type EventFilter, defaultAllFilter, fromFilterOptions } from './event-filter.js';
import type { EventLog, StoredEvent } from './event-log.js';
import { type RpcError, handlerException, invalidArgument, invalidCombination, unexpectedResult } from './errors.js';
import { END, type TfPos, fromWire, isEnd, streamRevisionToInt64 } from './positions.js';
import { type ReadReq, type ReadReqOptions, type ReadResp, streamNameOf } from './proto.js';
import { ResponseStream, type UuidForm, eventResponse, streamNotFoundResponse, uuidFormOf } from './read-response.js';
import { subscribeToAll, subscribeToStream } from './subscriptions.js';

/**
 * `Streams.Read` (server streaming), after `Streams.Read.cs` in oss-v24.2.0: one RPC for reads of a
 * stream or of `$all` (with `count`) and for catch-up subscriptions (with `subscription`), picked by
 * the same (stream option, count option, direction, filter option) combinations the server accepts.
 * A read ends with status OK; a missing stream is a `stream_not_found` message, then OK.
 */
export function readHandler(log: EventLog) {
  return (call: ServerWritableStream<ReadReq, ReadResp>) => {
    const out = new ResponseStream(call);
    let work: Promise<void>;
    try {
      const options = call.request.getOptions();
      if (!options) throw handlerException();
      work = dispatch(log, options, out);
    } catch (err) {
      out.fail(toRpcError(err));
      return;
    }
    work.catch((err) => out.fail(toRpcError(err)));
  };
}

function dispatch(log: EventLog, options: ReadReqOptions, out: ResponseStream): Promise<void> {
  const stream = options.hasStream() ? 'Stream' : options.hasAll() ? 'All' : 'None';
  const count = options.hasCount() ? 'Count' : options.hasSubscription() ? 'Subscription' : 'None';
  const direction = options.getReadDirection() === 1 ? 'Backwards' : 'Forwards';
  const filter = options.hasFilter() ? 'Filter' : options.hasNoFilter() ? 'NoFilter' : 'None';
  if (stream === 'None') {
    throw invalidArgument("'None' is not a valid EventStore.Client.Streams.ReadReq+Types+Options+StreamOptionOneofCase");
  }
  const uuidForm = uuidFormOf(options);
  const maxCount = options.hasCount() ? BigInt(options.getCount()) : 0n;

  switch (`${stream}/${count}/${direction}/${filter}`) {
    case 'Stream/Count/Forwards/NoFilter':
      return readStream(log, options, 'forwards', maxCount, uuidForm, out);
    case 'Stream/Count/Backwards/NoFilter':
      return readStream(log, options, 'backwards', maxCount, uuidForm, out);
    case 'All/Count/Forwards/NoFilter':
    case 'All/Count/Forwards/Filter':
      return readAll(log, options, 'forwards', maxCount, uuidForm, out);
    case 'All/Count/Backwards/NoFilter':
    case 'All/Count/Backwards/Filter':
      return readAll(log, options, 'backwards', maxCount, uuidForm, out);
    case 'Stream/Subscription/Forwards/NoFilter':
      return subscribeToStream(log, options, uuidForm, out);
    case 'All/Subscription/Forwards/NoFilter':
    case 'All/Subscription/Forwards/Filter':
      return subscribeToAll(log, options, uuidForm, out);
    default:
      throw invalidCombination(`(${stream}, ${count}, ${direction}, ${filter})`);
  }
}

/** `Enumerator.ReadStreamForwards` / `ReadStreamBackwards`. */
async function readStream(log: EventLog, options: ReadReqOptions, direction: 'forwards' | 'backwards', maxCount: bigint, uuidForm: UuidForm, out: ResponseStream): Promise<void> {
  const streamOptions = options.getStream()!;
  const streamName = streamNameOf(streamOptions.getStreamIdentifier());
  if (streamName === undefined) throw handlerException();
  // StreamRevision.Start = 0, End = -1 (ToInt64).
  const from = streamOptions.hasStart() ? 0n : streamOptions.hasEnd() ? -1n : streamRevisionToInt64(streamOptions.getRevision());

  // The storage reader's `Ensure.Nonnegative(fromEventNumber)` turns a forward read from End into a
  // storage error, which the enumerator reports as an unknown result.
  if (direction === 'forwards' && from < 0n) return out.fail(unexpectedResult('ReadStreamResult', 'Error'));

  const events = log.stream(streamName);
  if (!events) {
    if (await out.write(streamNotFoundResponse(streamName))) out.end();
    return;
  }
  const selected: StoredEvent[] = [];
  if (direction === 'forwards') {
    for (let i = Number(from); i < events.length && BigInt(selected.length) < maxCount; i++) selected.push(events[i]);
  } else {
    const start = from < 0n || from >= BigInt(events.length) ? events.length - 1 : Number(from);
    for (let i = start; i >= 0 && BigInt(selected.length) < maxCount; i--) selected.push(events[i]);
  }
  await writeAll(selected, uuidForm, out);
}

/** `Enumerator.ReadAllForwards[Filtered]` / `ReadAllBackwards[Filtered]`. */
async function readAll(log: EventLog, options: ReadReqOptions, direction: 'forwards' | 'backwards', maxCount: bigint, uuidForm: UuidForm, out: ResponseStream): Promise<void> {
  const allOptions = options.getAll()!;
  const from: TfPos = allOptions.hasStart()
    ? { commit: 0n, prepare: 0n }
    : allOptions.hasEnd()
      ? END
      : fromWire(allOptions.getPosition()!.getCommitPosition(), allOptions.getPosition()!.getPreparePosition());
  const filter: EventFilter = options.hasFilter() ? fromFilterOptions(options.getFilter()!) : defaultAllFilter;

  const selected: StoredEvent[] = [];
  if (direction === 'forwards') {
    // End is the head of the log: nothing lies after it.
    const start = isEnd(from) ? log.all.length : log.firstIndexAtOrAfter(from);
    for (let i = start; i < log.all.length && BigInt(selected.length) < maxCount; i++) {
      if (filter(log.all[i])) selected.push(log.all[i]);
    }
  } else {
    const end = isEnd(from) ? log.all.length : log.endIndexBackwardsFrom(from);
    for (let i = end - 1; i >= 0 && BigInt(selected.length) < maxCount; i--) {
      if (filter(log.all[i])) selected.push(log.all[i]);
    }
  }
  await writeAll(selected, uuidForm, out);
}

async function writeAll(events: StoredEvent[], uuidForm: UuidForm, out: ResponseStream): Promise<void> {
  for (const event of events) {
    if (!(await out.write(eventResponse(event, uuidForm)))) return;
  }
  out.end();
}

function toRpcError(err: unknown): RpcError {
  if (err && typeof err === 'object' && 'code' in err && 'details' in err) return err as RpcError;
  return handlerException();
}
