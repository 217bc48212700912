import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { ANY, NO_STREAM, STREAM_EXISTS } from './event-log.js';
import { Any, GoogleEmpty, type RpcStatus, sharedPb, statusPb } from './proto.js';

/** Exception trailers and messages as `RpcExceptions` (EventStore.Core, oss-v24.2.0) builds them. */
export const MAX_APPEND_SIZE = 1024 * 1024;

export type RpcError = Partial<ServiceError> & { code: status; details: string };

function rpcError(code: status, details: string, trailers: Record<string, string> = {}): RpcError {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(trailers)) metadata.set(key, value);
  return { code, details, metadata, message: details, name: 'RpcError' };
}

/** ASP.NET Core gRPC's answer to an exception the handler did not turn into an RpcException. */
export const handlerException = () => rpcError(status.UNKNOWN, 'Exception was thrown by handler.');

export const requiredMetadataPropertyMissing = (property: string) =>
  rpcError(status.INVALID_ARGUMENT, `Required Metadata Property '${property}' is missing`, {
    exception: 'missing-required-metadata-property',
    'required-metadata-properties': 'type,content-type',
  });

export const maxAppendSizeExceeded = () =>
  rpcError(status.INVALID_ARGUMENT, `Maximum Append Size of ${MAX_APPEND_SIZE} Exceeded.`, {
    exception: 'maximum-append-size-exceeded',
    'maximum-append-size': String(MAX_APPEND_SIZE),
  });

/** `RpcExceptions.UnknownError(Type, result)`: how read enumerators report an unexpected storage result. */
export const unexpectedResult = (resultType: string, result: string) => rpcError(status.UNKNOWN, `Unexpected ${resultType}: ${result}`);

export const invalidCombination = (combination: string) => rpcError(status.INVALID_ARGUMENT, `The combination of ${combination} is invalid.`);

export const invalidArgument = (what: string) => rpcError(status.INVALID_ARGUMENT, what);

// ---------------------------------------------------------------------------------------------
// google.rpc.Status values carried inside BatchAppendResp (`Google.Rpc.Status` partial class)
// ---------------------------------------------------------------------------------------------

function rpcStatus(code: status, message: string, details: { serializeBinary(): Uint8Array }, typeName: string): RpcStatus {
  const result = new statusPb.Status();
  result.setCode(code as number as Parameters<RpcStatus['setCode']>[0]);
  result.setMessage(message);
  const any = new Any();
  any.pack(details.serializeBinary(), typeName);
  result.setDetails(any);
  return result;
}

/** `WrongExpectedVersion.Create(current, expected)`: current -1 = no stream. */
export function wrongExpectedVersionStatus(currentRevision: bigint, expectedVersion: bigint): RpcStatus {
  const details = new sharedPb.WrongExpectedVersion();
  if (currentRevision < 0n) details.setCurrentNoStream(new GoogleEmpty());
  else details.setCurrentStreamRevision(currentRevision.toString());
  if (expectedVersion === ANY) details.setExpectedAny(new GoogleEmpty());
  else if (expectedVersion === NO_STREAM) details.setExpectedNoStream(new GoogleEmpty());
  else if (expectedVersion === STREAM_EXISTS) details.setExpectedStreamExists(new GoogleEmpty());
  else details.setExpectedStreamPosition(expectedVersion.toString());
  return rpcStatus(status.ALREADY_EXISTS, 'WrongExpectedVersion', details, 'event_store.client.WrongExpectedVersion');
}

export const timeoutStatus = () => rpcStatus(status.DEADLINE_EXCEEDED, 'Timeout', new sharedPb.Timeout(), 'event_store.client.Timeout');

export function maximumAppendSizeExceededStatus(): RpcStatus {
  const details = new sharedPb.MaximumAppendSizeExceeded();
  details.setMaxappendsize(MAX_APPEND_SIZE);
  return rpcStatus(status.INVALID_ARGUMENT, 'MaximumAppendSizeExceeded', details, 'event_store.client.MaximumAppendSizeExceeded');
}

export function badRequestStatus(message: string): RpcStatus {
  const details = new sharedPb.BadRequest();
  details.setMessage(message);
  return rpcStatus(status.INVALID_ARGUMENT, 'BadRequest', details, 'event_store.client.BadRequest');
}
