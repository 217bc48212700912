/** What every command handler gets, and the argument checks they share. */
import type { Timestamp } from 'bson';
import { bsonTypeName, isPlainObject, numeric, type Doc } from '../bson-values.js';
import type { Catalog } from '../catalog.js';
import { validateCollectionName } from '../catalog.js';
import type { Collection } from '../collection.js';
import type { Cursors } from '../cursors.js';
import { CommandError, notImplemented } from '../errors.js';
import type { Sessions } from '../sessions.js';

export interface ServerIdentity {
  /** `127.0.0.1:<port>`: the replica set's only member. */
  host: string;
  setName: string;
  electionId: unknown;
  processStart: Date;
}

export interface ServerState {
  identity: ServerIdentity;
  catalog: Catalog;
  cursors: Cursors;
  sessions: Sessions;
  /** Cluster-unique, rising timestamps for `$currentDate: {$type: 'timestamp'}`. */
  timestamp(): Timestamp;
}

export interface ConnectionState {
  readonly id: number;
  /** Set by the first hello: mongod refuses client metadata after that. */
  clientMetadata: Doc | null;
  handshakeDone: boolean;
}

export interface CommandContext {
  server: ServerState;
  connection: ConnectionState;
  db: string;
  body: Doc;
  /** The session key of the command's `lsid`, if it has one. */
  lsid: string | undefined;
}

export type Handler = (ctx: CommandContext) => Doc;

/** The collection name a command names in its first field (`{find: "c"}`). */
export function collectionArg(ctx: CommandContext, command: string): string {
  const name = ctx.body[command];
  if (typeof name !== 'string') {
    throw CommandError.of('InvalidNamespace', `collection name has invalid type ${bsonTypeName(name)}`);
  }
  validateCollectionName(name);
  return name;
}

export function existing(ctx: CommandContext, name: string): Collection | undefined {
  return ctx.server.catalog.get(ctx.db, name);
}

export function optionalDoc(body: Doc, field: string, command: string): Doc | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) throw CommandError.of('TypeMismatch', `BSON field '${command}.${field}' is the wrong type '${bsonTypeName(v)}', expected type 'object'`);
  return v;
}

export function optionalBool(body: Doc, field: string): boolean {
  const v = body[field];
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  const n = numeric(v);
  if (n) return n.approx !== 0;
  throw CommandError.of('TypeMismatch', `BSON field '${field}' is the wrong type '${bsonTypeName(v)}', expected type 'bool'`);
}

/** Only the simple (binary) collation is supported; mongod treats `{locale: 'simple'}` as none. */
export function rejectCollation(spec: unknown): void {
  if (spec === undefined || spec === null) return;
  if (isPlainObject(spec) && spec.locale === 'simple' && Object.keys(spec).length === 1) return;
  throw notImplemented('collation');
}

/** `let` variables reach `$expr` through mingo's own variables, which are not wired up. */
export function rejectLet(body: Doc): void {
  if (body.let !== undefined) throw notImplemented("'let' variables");
}

/** A hint must name an existing index, by name or key pattern, as on mongod. */
export function checkHint(collection: Collection | undefined, hint: unknown): void {
  if (hint === undefined || hint === null) return;
  if (typeof hint === 'string' && hint === '') return;
  if (isPlainObject(hint) && Object.keys(hint).length === 0) return;
  if (isPlainObject(hint) && '$natural' in hint) return;
  const specs = collection?.indexSpecs() ?? [];
  const found = specs.some((s) =>
    typeof hint === 'string'
      ? s.name === hint
      : isPlainObject(hint) &&
        Object.keys(hint).length === Object.keys(s.key).length &&
        Object.keys(hint).every((k, i) => k === Object.keys(s.key)[i] && numeric(hint[k])?.approx === numeric(s.key[k])?.approx),
  );
  if (!found && collection) throw CommandError.of('BadValue', 'error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index');
}

/**
 * A one-member replica set can satisfy w:1 and "majority" but no larger number, and knows no
 * custom write concern tags: mongod then reports a writeConcernError after doing the write.
 */
export function writeConcernError(body: Doc): Doc | undefined {
  const wc = body.writeConcern;
  if (!isPlainObject(wc) || wc.w === undefined) return undefined;
  const n = numeric(wc.w)?.approx;
  if (n !== undefined && n > 1) return { code: 100, codeName: 'UnsatisfiableWriteConcern', errmsg: 'Not enough data-bearing nodes', errInfo: {} };
  if (typeof wc.w === 'string' && wc.w !== 'majority') {
    return { code: 79, codeName: 'UnknownReplWriteConcern', errmsg: `No write concern mode named '${wc.w}' found in replica set configuration`, errInfo: {} };
  }
  return undefined;
}

export function withWriteConcern(body: Doc, reply: Doc): Doc {
  const wce = writeConcernError(body);
  return wce ? { ...reply, writeConcernError: wce } : reply;
}
