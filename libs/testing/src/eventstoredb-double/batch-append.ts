import type { ServerDuplexStream } from '@grpc/grpc-js';
import { ANY, type EventLog, NO_STREAM, type ProposedEvent, STREAM_EXISTS, type WriteResult } from './event-log.js';
import { MAX_APPEND_SIZE, badRequestStatus, handlerException, maximumAppendSizeExceededStatus, timeoutStatus, wrongExpectedVersionStatus } from './errors.js';
import { streamRevisionToInt64 } from './positions.js';
import { type BatchAppendReq, type BatchAppendResp, GoogleEmpty, type RpcStatus, type StreamIdentifier, type UuidDto, sharedPb, streamIdentifier, streamNameOf, streamsPb } from './proto.js';
import { sizeOnDisk, toProposedEvent } from './proposed-message.js';
import { parseUuid } from './uuid.js';

const { BatchAppendResp: BatchAppendRespClass } = streamsPb;

/** `Database.WriteTimeoutMs` default: a batch still incomplete after this long is answered Timeout. */
const WRITE_TIMEOUT_MS = 2_000;

interface PendingWrite {
  streamName: string;
  expectedVersion: bigint;
  events: ProposedEvent[];
  size: number;
  timer: NodeJS.Timeout;
}

/**
 * `Streams.BatchAppend` (bidirectional), after `Streams.BatchAppend.cs` in oss-v24.2.0. The client
 * keeps one call open and multiplexes appends over it by correlation id: options come with the first
 * message of a correlation id, events may span several messages, `is_final` triggers the write, and
 * exactly one response goes back per correlation id. Failures are `google.rpc.Status` values inside
 * the response, never a gRPC error on the call.
 */
export function batchAppendHandler(log: EventLog) {
  return (call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>) => {
    const pending = new Map<string, PendingWrite>();
    let open = true;
    const respond = (response: BatchAppendResp) => {
      if (open) call.write(response);
    };
    const stop = () => {
      open = false;
      for (const write of pending.values()) clearTimeout(write.timer);
      pending.clear();
    };

    call.on('data', (request: BatchAppendReq) => {
      if (!open) return;
      const correlation = request.getCorrelationId();
      let correlationId: string | undefined;
      try {
        correlationId = parseUuid(correlation);
        if (request.hasOptions()) {
          const options = request.getOptions()!;
          const identifier = options.getStreamIdentifier();
          if (!identifier) {
            return respond(failure(correlation, undefined, badRequestStatus('Required field StreamIdentifier not set.')));
          }
          const deadline = options.getDeadline()?.toDate().getTime() ?? Number.POSITIVE_INFINITY;
          const timeout = Math.min(deadline - Date.now(), WRITE_TIMEOUT_MS);
          if (timeout <= 0) return respond(failure(correlation, identifier, timeoutStatus()));
          if (!pending.has(correlationId)) {
            const expectedVersion = expectedVersionOf(options);
            const id = correlationId;
            const timer = setTimeout(() => {
              const expired = pending.get(id);
              if (!expired) return;
              pending.delete(id);
              respond(failure(correlation, streamIdentifier(expired.streamName), timeoutStatus()));
            }, timeout);
            timer.unref();
            pending.set(correlationId, {
              streamName: streamNameOf(identifier)!,
              expectedVersion,
              events: [],
              size: 0,
              timer,
            });
          }
        }

        const write = pending.get(correlationId);
        if (!write) return;
        for (const message of request.getProposedMessagesList()) {
          write.events.push(toProposedEvent(message));
          write.size += sizeOnDisk(message);
        }
        if (write.size > MAX_APPEND_SIZE) {
          drop(pending, correlationId);
          respond(failure(correlation, streamIdentifier(write.streamName), maximumAppendSizeExceededStatus()));
        }
        if (!request.getIsFinal()) return;
        if (!drop(pending, correlationId)) return;

        const result = log.write(write.streamName, write.expectedVersion, write.events);
        respond(toBatchAppendResp(correlation, write, result));
      } catch (err) {
        // The server answers BadRequest with the request's own stream identifier; a message without
        // options has none, and dereferencing it fails the whole call on the real server.
        if (!request.hasOptions()) {
          stop();
          call.emit('error', handlerException());
          return;
        }
        // Deviation: the server leaves such a half-read batch pending (its timer later answers a
        // second time, which crashes a 6.x client); the double drops it after the one answer.
        if (correlationId !== undefined) drop(pending, correlationId);
        const message = err instanceof Error ? err.message : String(err);
        respond(failure(correlation, request.getOptions()!.getStreamIdentifier(), badRequestStatus(message)));
      }
    });
    call.on('end', () => {
      if (!open) return;
      stop();
      call.end();
    });
    call.on('cancelled', stop);
    call.on('error', stop);
  };
}

function drop(pending: Map<string, PendingWrite>, correlationId: string): boolean {
  const write = pending.get(correlationId);
  if (!write) return false;
  clearTimeout(write.timer);
  return pending.delete(correlationId);
}

function expectedVersionOf(options: InstanceType<typeof streamsPb.BatchAppendReq.Options>): bigint {
  const Case = streamsPb.BatchAppendReq.Options.ExpectedStreamPositionCase;
  switch (options.getExpectedStreamPositionCase()) {
    case Case.STREAM_POSITION:
      return streamRevisionToInt64(options.getStreamPosition());
    case Case.ANY:
      return ANY;
    case Case.STREAM_EXISTS:
      return STREAM_EXISTS;
    case Case.NO_STREAM:
      return NO_STREAM;
    default:
      throw new Error("'None' is not a valid EventStore.Client.Streams.BatchAppendReq+Types+Options+ExpectedStreamPositionOneofCase");
  }
}

function failure(correlation: UuidDto | undefined, identifier: StreamIdentifier | undefined, error: RpcStatus): BatchAppendResp {
  const response = new BatchAppendRespClass();
  if (correlation) response.setCorrelationId(correlation);
  if (identifier) response.setStreamIdentifier(identifier);
  response.setError(error);
  return response;
}

function toBatchAppendResp(correlation: UuidDto | undefined, write: PendingWrite, result: WriteResult): BatchAppendResp {
  const identifier = streamIdentifier(write.streamName);
  if (result.kind === 'wrong_expected_version') {
    return failure(correlation, identifier, wrongExpectedVersionStatus(result.currentRevision, write.expectedVersion));
  }
  const response = new BatchAppendRespClass();
  if (correlation) response.setCorrelationId(correlation);
  response.setStreamIdentifier(identifier);
  const success = new BatchAppendRespClass.Success();
  if (result.lastRevision < 0n) success.setNoStream(new GoogleEmpty());
  else success.setCurrentRevision(result.lastRevision.toString());
  if (result.position === undefined) {
    success.setNoPosition(new GoogleEmpty());
  } else {
    const position = new sharedPb.AllStreamPosition();
    position.setCommitPosition(result.position.toString());
    position.setPreparePosition(result.position.toString());
    success.setPosition(position);
  }
  response.setSuccess(success);
  return response;
}
