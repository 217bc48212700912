// The double speaks the protocol through the client package's OWN generated code (same .proto files,
// same field numbers), so it cannot drift from what @eventstore/db-client 6.2.1 puts on the wire.
// The generated modules are CommonJS and their serializers check `instanceof`, so every message
// class (google-protobuf's Any/Empty/Timestamp included) must come from one module instance: all of
// them are required relative to the client's generated folder, as the generated code itself does.
import { createRequire } from 'node:module';

type StreamsPb = typeof import('@eventstore/db-client/generated/streams_pb.js');
type StreamsGrpcPb = typeof import('@eventstore/db-client/generated/streams_grpc_pb.js');
type SharedPb = typeof import('@eventstore/db-client/generated/shared_pb.js');
type StatusPb = typeof import('@eventstore/db-client/generated/status_pb.js');
type ServerFeaturesPb = typeof import('@eventstore/db-client/generated/serverfeatures_pb.js');
type ServerFeaturesGrpcPb = typeof import('@eventstore/db-client/generated/serverfeatures_grpc_pb.js');
type AnyPb = typeof import('google-protobuf/google/protobuf/any_pb.js');
type EmptyPb = typeof import('google-protobuf/google/protobuf/empty_pb.js');

const fromHere = createRequire(import.meta.url);
const fromGenerated = createRequire(fromHere.resolve('@eventstore/db-client/generated/streams_pb.js'));

export const streamsPb = fromGenerated('./streams_pb.js') as StreamsPb;
export const sharedPb = fromGenerated('./shared_pb.js') as SharedPb;
export const statusPb = fromGenerated('./status_pb.js') as StatusPb;
export const serverFeaturesPb = fromGenerated('./serverfeatures_pb.js') as ServerFeaturesPb;
export const { StreamsService } = fromGenerated('./streams_grpc_pb.js') as StreamsGrpcPb;
export const { ServerFeaturesService } = fromGenerated('./serverfeatures_grpc_pb.js') as ServerFeaturesGrpcPb;
export const { Any } = fromGenerated('google-protobuf/google/protobuf/any_pb.js') as AnyPb;
export const { Empty: GoogleEmpty } = fromGenerated('google-protobuf/google/protobuf/empty_pb.js') as EmptyPb;

export type ReadReq = InstanceType<StreamsPb['ReadReq']>;
export type ReadReqOptions = InstanceType<StreamsPb['ReadReq']['Options']>;
export type FilterOptions = InstanceType<StreamsPb['ReadReq']['Options']['FilterOptions']>;
export type ReadResp = InstanceType<StreamsPb['ReadResp']>;
export type AppendReq = InstanceType<StreamsPb['AppendReq']>;
export type AppendResp = InstanceType<StreamsPb['AppendResp']>;
export type BatchAppendReq = InstanceType<StreamsPb['BatchAppendReq']>;
export type BatchAppendResp = InstanceType<StreamsPb['BatchAppendResp']>;
export type ProposedMessage = InstanceType<StreamsPb['AppendReq']['ProposedMessage']> | InstanceType<StreamsPb['BatchAppendReq']['ProposedMessage']>;
export type UuidDto = InstanceType<SharedPb['UUID']>;
export type StreamIdentifier = InstanceType<SharedPb['StreamIdentifier']>;
export type RpcStatus = InstanceType<StatusPb['Status']>;
export type ServerFeaturesEmpty = InstanceType<SharedPb['Empty']>;
export type SupportedMethods = InstanceType<ServerFeaturesPb['SupportedMethods']>;

export function streamIdentifier(streamName: string): StreamIdentifier {
  const identifier = new sharedPb.StreamIdentifier();
  identifier.setStreamName(Buffer.from(streamName, 'utf8'));
  return identifier;
}

/** The server decodes stream names as UTF-8 (`StreamIdentifier` → string in the C# partial class). */
export function streamNameOf(identifier: StreamIdentifier | undefined): string | undefined {
  if (!identifier) return undefined;
  return Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
}
