/**
 * Runs one command: finds its handler, applies what holds for every command (sessions, retryable
 * writes, refusing transactions), and turns failures into mongod's `{ok: 0, errmsg, code,
 * codeName}`. Handlers are synchronous, so a command runs to completion before any other starts:
 * each command is atomic with respect to every other connection.
 */
import { isPlainObject, type Doc } from '../bson-values.js';
import { validateDbName } from '../catalog.js';
import { CommandError, notImplemented } from '../errors.js';
import type { ConnectionState, Handler, ServerState } from './context.js';
import { ddlCommands } from './ddl.js';
import { handshakeCommands } from './handshake.js';
import { readCommands } from './read.js';
import { RETRYABLE_WRITES, writeCommands } from './write.js';

const HANDLERS: Record<string, Handler> = { ...handshakeCommands, ...readCommands, ...writeCommands, ...ddlCommands };

/** Commands mongod has and the double deliberately does not: they fail as not implemented. */
const NOT_IMPLEMENTED = new Set([
  'abortTransaction',
  'commitTransaction',
  'bulkWrite',
  'explain',
  'mapReduce',
  'renameCollection',
  'collMod',
  'validate',
  'compact',
  'convertToCapped',
  'cloneCollectionAsCapped',
  'dbStats',
  'collStats',
  'dataSize',
  'serverStatus',
  'hostInfo',
  'connectionStatus',
  'getCmdLineOpts',
  'getParameter',
  'setParameter',
  'getLog',
  'currentOp',
  'killOp',
  'killSessions',
  'killAllSessions',
  'replSetGetStatus',
  'replSetGetConfig',
  'profile',
  'fsync',
  'saslContinue',
  'logout',
  'createUser',
  'dropUser',
  'usersInfo',
  'createRole',
  'listSearchIndexes',
  'createSearchIndexes',
  'dropSearchIndex',
  'updateSearchIndex',
  'whatsmyuri',
  'lockInfo',
  'top',
]);

export function runCommand(server: ServerState, connection: ConnectionState, db: string, body: Doc): Doc {
  try {
    return { ...execute(server, connection, db, body), ok: 1 };
  } catch (error) {
    if (error instanceof CommandError) return error.toReply();
    // A bug in the double, not a server answer: make it impossible to mistake for one.
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return { ok: 0, errmsg: `MongoDB test double internal error: ${detail}`, code: 1, codeName: 'InternalError' };
  }
}

function execute(server: ServerState, connection: ConnectionState, db: string, body: Doc): Doc {
  const name = Object.keys(body)[0] ?? '';
  const handler = Object.prototype.hasOwnProperty.call(HANDLERS, name) ? HANDLERS[name] : undefined;
  if (!handler) {
    if (NOT_IMPLEMENTED.has(name)) throw notImplemented(`the '${name}' command`);
    throw CommandError.of('CommandNotFound', `no such command: '${name}'`);
  }
  validateDbName(db);
  if (body.autocommit !== undefined || body.startTransaction !== undefined) throw notImplemented('multi-document transactions');
  if (isPlainObject(body.readConcern) && body.readConcern.level === 'snapshot') throw notImplemented("readConcern 'snapshot'");

  const lsid = server.sessions.keyOf(body.lsid);
  if (lsid) server.sessions.touch(lsid);
  const ctx = { server, connection, db, body, lsid };
  if (body.txnNumber === undefined) return handler(ctx);

  if (!lsid) throw CommandError.of('InvalidOptions', 'Transaction number requires a session ID to also be specified');
  if (!RETRYABLE_WRITES.has(name)) {
    throw new CommandError(
      50768,
      `txnNumber may only be provided for multi-document transactions and retryable write commands. autocommit:false was not provided, and ${name} is not a retryable write command.`,
    );
  }
  if (isMultiStatement(name, body)) throw CommandError.of('InvalidOptions', `Cannot use (or request) retryable writes with ${name === 'update' ? 'multi=true' : 'limit=0'}`);
  return server.sessions.retryable(lsid, body.txnNumber, () => handler(ctx));
}

function isMultiStatement(name: string, body: Doc): boolean {
  const list = name === 'update' ? body.updates : name === 'delete' ? body.deletes : undefined;
  if (!Array.isArray(list)) return false;
  return list.some((s) => isPlainObject(s) && (name === 'update' ? s.multi === true : Number(s.limit) === 0));
}
