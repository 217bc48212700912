import type { sendUnaryData, ServerReadableStream } from '@grpc/grpc-js';
import { ANY, type EventLog, NO_STREAM, type ProposedEvent, STREAM_EXISTS, type WriteResult } from './event-log.js';
import { type RpcError, MAX_APPEND_SIZE, handlerException, invalidArgument, maxAppendSizeExceeded, requiredMetadataPropertyMissing } from './errors.js';
import { streamRevisionToInt64 } from './positions.js';
import { type AppendReq, type AppendResp, sharedPb, streamNameOf, streamsPb } from './proto.js';
import { MissingMetadataProperty, requiredMetadata, sizeOnDisk, toProposedEvent } from './proposed-message.js';

const { AppendResp: AppendRespClass } = streamsPb;

/**
 * `Streams.Append` (client streaming), after `Streams.Append.cs` in oss-v24.2.0: the first message
 * carries the options, every later one a proposed event; the write happens once the client
 * half-closes. Missing `type`/`content-type` and the 1 MiB append limit fail the call as soon as the
 * offending message arrives. A wrong expected version is a normal response, not a gRPC error.
 */
export function appendHandler(log: EventLog) {
  return (call: ServerReadableStream<AppendReq, AppendResp>, callback: sendUnaryData<AppendResp>) => {
    let target: { streamName: string; expectedVersion: bigint } | undefined;
    const events: ProposedEvent[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: RpcError) => {
      if (settled) return;
      settled = true;
      callback(error);
    };

    call.on('data', (request: AppendReq) => {
      if (settled) return;
      try {
        if (!target) {
          target = readOptions(request);
          return;
        }
        if (!request.hasProposedMessage()) throw new Error('Operation is not valid due to the current state of the object.');
        const message = request.getProposedMessage()!;
        requiredMetadata(message);
        size += sizeOnDisk(message);
        if (size > MAX_APPEND_SIZE) return fail(maxAppendSizeExceeded());
        events.push(toProposedEvent(message));
      } catch (err) {
        fail(toRpcError(err));
      }
    });
    call.on('end', () => {
      if (settled) return;
      if (!target) return fail(handlerException());
      settled = true;
      const result = log.write(target.streamName, target.expectedVersion, events);
      callback(null, toAppendResp(result, target.expectedVersion));
    });
    call.on('cancelled', () => {
      settled = true;
    });
    call.on('error', () => {
      settled = true;
    });
  };
}

function readOptions(request: AppendReq): { streamName: string; expectedVersion: bigint } {
  if (!request.hasOptions()) throw new Error('Operation is not valid due to the current state of the object.');
  const options = request.getOptions()!;
  const streamName = streamNameOf(options.getStreamIdentifier());
  if (streamName === undefined) throw new Error("Value cannot be null. (Parameter 'streamId')");
  const Case = streamsPb.AppendReq.Options.ExpectedStreamRevisionCase;
  switch (options.getExpectedStreamRevisionCase()) {
    case Case.REVISION:
      return { streamName, expectedVersion: streamRevisionToInt64(options.getRevision()) };
    case Case.ANY:
      return { streamName, expectedVersion: ANY };
    case Case.STREAM_EXISTS:
      return { streamName, expectedVersion: STREAM_EXISTS };
    case Case.NO_STREAM:
      return { streamName, expectedVersion: NO_STREAM };
    default:
      throw invalidArgument("'None' is not a valid EventStore.Client.Streams.AppendReq+Types+Options+ExpectedStreamRevisionOneofCase");
  }
}

function toRpcError(err: unknown): RpcError {
  if (err instanceof MissingMetadataProperty) return requiredMetadataPropertyMissing(err.property);
  if (err && typeof err === 'object' && 'code' in err && 'details' in err) return err as RpcError;
  return handlerException();
}

/** Deprecated `_20_6_0` fields are uint64 numbers in the generated JS; fill them where representable. */
const safe = (value: bigint) => value <= BigInt(Number.MAX_SAFE_INTEGER);

export function toAppendResp(result: WriteResult, expectedVersion: bigint): AppendResp {
  const response = new AppendRespClass();
  if (result.kind === 'wrong_expected_version') {
    const wrong = new AppendRespClass.WrongExpectedVersion();
    // The server fills the current fields and their deprecated twins; the 6.2.1 client reads 6–11.
    if (expectedVersion === ANY) {
      wrong.setExpectedAny(new sharedPb.Empty());
      wrong.setAny2060(new sharedPb.Empty());
    } else if (expectedVersion === STREAM_EXISTS) {
      wrong.setExpectedStreamExists(new sharedPb.Empty());
      wrong.setStreamExists2060(new sharedPb.Empty());
    } else if (expectedVersion === NO_STREAM) {
      // The server also sets expected_revision_20_6_0 = uint64 max, which google-protobuf's JS
      // writer cannot encode from a number; left unset (no 6.x client reads it).
      wrong.setExpectedNoStream(new sharedPb.Empty());
    } else {
      wrong.setExpectedRevision(expectedVersion.toString());
      if (safe(expectedVersion)) wrong.setExpectedRevision2060(Number(expectedVersion));
    }
    if (result.currentRevision < 0n) {
      wrong.setCurrentNoStream(new sharedPb.Empty());
      wrong.setNoStream2060(new sharedPb.Empty());
    } else {
      wrong.setCurrentRevision(result.currentRevision.toString());
      if (safe(result.currentRevision)) wrong.setCurrentRevision2060(Number(result.currentRevision));
    }
    response.setWrongExpectedVersion(wrong);
    return response;
  }

  const success = new AppendRespClass.Success();
  if (result.lastRevision < 0n) success.setNoStream(new sharedPb.Empty());
  else success.setCurrentRevision(result.lastRevision.toString());
  if (result.position === undefined) {
    success.setNoPosition(new sharedPb.Empty());
  } else {
    const position = new AppendRespClass.Position();
    position.setCommitPosition(result.position.toString());
    position.setPreparePosition(result.position.toString());
    success.setPosition(position);
  }
  response.setSuccess(success);
  return response;
}
