import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { type ServerFeaturesEmpty, type SupportedMethods, serverFeaturesPb } from './proto.js';

/** The server version whose behaviour the double follows (see README.md). */
export const EMULATED_SERVER_VERSION = '24.2.0';

/**
 * What the double advertises: only the methods it implements, spelled as the server spells them
 * (`ServerFeatures.cs`: service and method names lower-cased, features per method). Listing
 * BatchAppend makes the 6.2.1 client append through it, as it does against any server since 21.10.
 * The server adds the feature `deadline_duration` to BatchAppend; it is left out here because it
 * tells newer clients to send the deadline as a Duration (a field this proto version lacks).
 */
const SUPPORTED: Array<{ service: string; method: string; features?: string[] }> = [
  { service: 'event_store.client.streams.streams', method: 'read', features: ['position', 'events'] },
  { service: 'event_store.client.streams.streams', method: 'append' },
  { service: 'event_store.client.streams.streams', method: 'batchappend' },
  { service: 'event_store.client.server_features.serverfeatures', method: 'getsupportedmethods' },
];

export function getSupportedMethods(_call: ServerUnaryCall<ServerFeaturesEmpty, SupportedMethods>, callback: sendUnaryData<SupportedMethods>) {
  const result = new serverFeaturesPb.SupportedMethods();
  result.setEventStoreServerVersion(EMULATED_SERVER_VERSION);
  for (const { service, method, features = [] } of SUPPORTED) {
    const supported = new serverFeaturesPb.SupportedMethod();
    supported.setServiceName(service);
    supported.setMethodName(method);
    supported.setFeaturesList(features);
    result.addMethods(supported);
  }
  callback(null, result);
}
