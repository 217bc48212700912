/**
 * Handshake, monitoring and session bookkeeping. The double presents itself as the primary of a
 * one-member replica set (`setName`, `isWritablePrimary`), like the compose deployment the adapter
 * targets, so the driver takes the production code paths: sessions on every command and
 * retryable writes with `txnNumber`. It never sends `topologyVersion`: with it the driver would
 * switch to streaming (exhaust) hello, which the double does not implement; without it the
 * driver polls hello, which mongod supports too.
 */
import { UUID } from 'bson';
import { isPlainObject, type Doc } from '../bson-values.js';
import { CommandError } from '../errors.js';
import { SESSION_TIMEOUT_MINUTES } from '../sessions.js';
import type { CommandContext, Handler } from './context.js';

export const MIN_WIRE_VERSION = 0;
/** MongoDB 7.0; driver 7.x needs at least 9, and 25 (8.0) would make it send client bulkWrite. */
export const MAX_WIRE_VERSION = 21;
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
export const MAX_MESSAGE_SIZE_BYTES = 48_000_000;
export const MAX_WRITE_BATCH_SIZE = 100_000;
export const SERVER_VERSION = '7.0.0';

function hello(legacy: boolean): Handler {
  return (ctx: CommandContext) => {
    const { body, connection, server } = ctx;
    if (body.client !== undefined) {
      if (connection.handshakeDone) throw CommandError.of('ClientMetadataCannotBeMutated', 'The client metadata document may only be sent in the first hello');
      if (!isPlainObject(body.client)) throw CommandError.of('TypeMismatch', "The 'client' field is required to be a BSON document in the client metadata document");
      connection.clientMetadata = body.client;
    }
    connection.handshakeDone = true;
    const { host, setName, electionId } = server.identity;
    // No `compression` in the reply: the client then never compresses (OP_COMPRESSED is not implemented).
    const reply: Doc = {
      [legacy ? 'ismaster' : 'isWritablePrimary']: true,
      hosts: [host],
      setName,
      setVersion: 1,
      secondary: false,
      primary: host,
      me: host,
      electionId,
      maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
      maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
      maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: SESSION_TIMEOUT_MINUTES,
      connectionId: connection.id,
      minWireVersion: MIN_WIRE_VERSION,
      maxWireVersion: MAX_WIRE_VERSION,
      readOnly: false,
    };
    // Only to a client that offered it: the driver then heartbeats with `hello`, not isMaster.
    if (body.helloOk === true) reply.helloOk = true;
    return reply;
  };
}

export const handshakeCommands: Record<string, Handler> = {
  hello: hello(false),
  isMaster: hello(true),
  ismaster: hello(true),
  ping: () => ({}),
  buildInfo: () => ({
    version: SERVER_VERSION,
    gitVersion: 'partner-ledger MongoDB wire-protocol test double',
    versionArray: [...SERVER_VERSION.split('.').map(Number), 0],
    bits: 64,
    debug: false,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    storageEngines: ['memory'],
    javascriptEngine: 'none',
  }),
  endSessions: (ctx) => {
    const ids = ctx.body.endSessions;
    if (!Array.isArray(ids)) throw CommandError.of('TypeMismatch', "BSON field 'endSessions.endSessions' is the wrong type, expected type 'array'");
    const keys = ids.map((lsid) => ctx.server.sessions.keyOf(lsid)).filter((k): k is string => k !== undefined);
    ctx.server.sessions.end(keys);
    const ended = new Set(keys);
    ctx.server.cursors.killWhere((_ns, lsid) => lsid !== undefined && ended.has(lsid));
    return {};
  },
  startSession: () => ({ id: { id: new UUID() }, timeoutMinutes: SESSION_TIMEOUT_MINUTES }),
  refreshSessions: () => ({}),
  // No users exist, so any credential fails as it would against a mongod without that user.
  saslStart: () => {
    throw CommandError.of('AuthenticationFailed', 'Authentication failed.');
  },
  authenticate: () => {
    throw CommandError.of('AuthenticationFailed', 'Authentication failed.');
  },
};
