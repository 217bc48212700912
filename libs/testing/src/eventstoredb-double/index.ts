/**
 * EventStoreDB gRPC protocol TEST DOUBLE: an in-memory server that the official
 * `@eventstore/db-client` (6.2.1) talks to over real loopback sockets. It implements the calls our
 * EventStoreDB adapter makes, as the server (oss-v24.2.0) answers them; see README.md for what it
 * covers, what it does not, and where each behaviour was checked.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { appendHandler } from './append.js';
import { batchAppendHandler } from './batch-append.js';
import { EventLog } from './event-log.js';
import { ServerFeaturesService, StreamsService } from './proto.js';
import { readHandler } from './read.js';
import { getSupportedMethods } from './server-features.js';

export interface EventStoreDbDouble {
  /** `esdb://127.0.0.1:<port>?tls=false`: a single insecure node. */
  url: string;
  port: number;
  /** Stops the server; open calls (subscriptions, BatchAppend streams) are cut off. */
  close(): Promise<void>;
}

/** The server's own limit on incoming messages (`TFConsts.EffectiveMaxLogRecordSize`). */
const MAX_RECEIVE_MESSAGE_LENGTH = 16 * 1024 * 1024 - 10_000;

export async function startEventStoreDbDouble(options: { port?: number } = {}): Promise<EventStoreDbDouble> {
  const log = new EventLog();
  const server = new Server({ 'grpc.max_receive_message_length': MAX_RECEIVE_MESSAGE_LENGTH });
  // Delete and Tombstone are not implemented: grpc-js answers them UNIMPLEMENTED, and ServerFeatures
  // does not list them.
  server.addService(StreamsService, {
    read: readHandler(log),
    append: appendHandler(log),
    batchAppend: batchAppendHandler(log),
  });
  server.addService(ServerFeaturesService, { getSupportedMethods });

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${options.port ?? 0}`, ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );

  let closed = false;
  return {
    url: `esdb://127.0.0.1:${port}?tls=false`,
    port,
    async close() {
      if (closed) return;
      closed = true;
      // Subscriptions and the client's BatchAppend stream never end on their own, so a graceful
      // shutdown would wait forever; cut them off as a stopping server does.
      server.forceShutdown();
    },
  };
}
