/**
 * Write commands. insert/update/delete run their statements in order; a failing statement becomes
 * a `writeErrors` entry (`ok: 1` overall) and, when `ordered`, stops the batch. Each statement is
 * atomic per document, not per batch, as on mongod: an update with `multi` that fails half way
 * keeps the documents it already changed.
 */
import { BSON, ObjectId } from 'bson';
import { cloneTree, isPlainObject, numeric, type Doc } from '../bson-values.js';
import type { Collection } from '../collection.js';
import { CommandError, notImplemented } from '../errors.js';
import { compileProjection } from '../projection.js';
import { parseSort, sortDocuments } from '../query.js';
import { scan } from '../scan.js';
import { applyOperators, applyReplacement, isOperatorUpdate, upsertDocument, type UpdateContext } from '../update.js';
import { MAX_BSON_OBJECT_SIZE, MAX_WRITE_BATCH_SIZE } from './handshake.js';
import { checkHint, collectionArg, existing, optionalBool, optionalDoc, rejectCollation, rejectLet, withWriteConcern, type CommandContext, type Handler } from './context.js';

function statements(ctx: CommandContext, command: string, field: string): unknown[] {
  const list = ctx.body[field];
  if (!Array.isArray(list)) throw CommandError.of('FailedToParse', `BSON field '${command}.${field}' is missing but a required field`);
  if (list.length === 0 || list.length > MAX_WRITE_BATCH_SIZE) {
    throw CommandError.of('InvalidLength', `Write batch sizes must be between 1 and ${MAX_WRITE_BATCH_SIZE}. Got ${list.length} operations.`);
  }
  return list;
}

function ordered(ctx: CommandContext): boolean {
  return ctx.body.ordered === undefined ? true : optionalBool(ctx.body, 'ordered');
}

/** Runs each statement, collecting write errors the way mongod's write path reports them. */
function runStatements(list: unknown[], isOrdered: boolean, run: (stmt: unknown, index: number) => void): Doc[] {
  const writeErrors: Doc[] = [];
  for (let i = 0; i < list.length; i++) {
    try {
      run(list[i], i);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      writeErrors.push(error.toWriteError(i));
      if (isOrdered) break;
    }
  }
  return writeErrors;
}

function updateContext(ctx: CommandContext, filter: Doc, arrayFilters: unknown): UpdateContext {
  return { isInsert: false, filter, arrayFilters, now: new Date(), timestamp: () => ctx.server.timestamp() };
}

function checkSize(doc: Doc): void {
  const size = BSON.calculateObjectSize(doc);
  if (size > MAX_BSON_OBJECT_SIZE) throw new CommandError(17419, `Resulting document after update is larger than ${MAX_BSON_OBJECT_SIZE}`);
}

/** mongod puts a missing `_id` first; the driver usually adds it already. */
function withId(doc: Doc): Doc {
  if ('_id' in doc) {
    if (Object.keys(doc)[0] === '_id') return doc;
    const { _id, ...rest } = doc;
    return { _id, ...rest };
  }
  return { _id: new ObjectId(), ...doc };
}

const insert: Handler = (ctx) => {
  const name = collectionArg(ctx, 'insert');
  const docs = statements(ctx, 'insert', 'documents');
  let n = 0;
  const { collection } = ctx.server.catalog.ensure(ctx.db, name);
  const writeErrors = runStatements(docs, ordered(ctx), (doc) => {
    if (!isPlainObject(doc)) throw CommandError.of('TypeMismatch', 'documents to insert must be objects');
    const stored = withId(cloneTree(doc));
    checkSize(stored);
    collection.insert(stored);
    n++;
  });
  return withWriteConcern(ctx.body, writeErrors.length ? { n, writeErrors } : { n });
};

interface UpdateStatement {
  q: Doc;
  u: Doc;
  upsert: boolean;
  multi: boolean;
  arrayFilters: unknown;
}

function parseUpdateStatement(raw: unknown, collection: Collection | undefined): UpdateStatement {
  if (!isPlainObject(raw)) throw CommandError.of('TypeMismatch', 'update statements must be objects');
  const q = optionalDoc(raw, 'q', 'update.updates');
  if (!q) throw CommandError.of('FailedToParse', "BSON field 'update.updates.q' is missing but a required field");
  if (Array.isArray(raw.u)) throw notImplemented('pipeline-style updates');
  const u = optionalDoc(raw, 'u', 'update.updates');
  if (!u) throw CommandError.of('FailedToParse', "BSON field 'update.updates.u' is missing but a required field");
  rejectCollation(raw.collation);
  checkHint(collection, raw.hint);
  // `sort` on updateOne arrived in 8.0; the 7.0 the double presents refuses it as an unknown field.
  if (raw.sort !== undefined) throw new CommandError(40415, "BSON field 'update.updates.sort' is an unknown field.");
  const multi = optionalBool(raw, 'multi');
  if (multi && !isOperatorUpdate(u) && Object.keys(u).length > 0) throw CommandError.of('FailedToParse', 'multi update is not supported for replacement-style update');
  return { q, u, upsert: optionalBool(raw, 'upsert'), multi, arrayFilters: raw.arrayFilters };
}

const update: Handler = (ctx) => {
  const name = collectionArg(ctx, 'update');
  rejectLet(ctx.body);
  const list = statements(ctx, 'update', 'updates');
  let n = 0;
  let nModified = 0;
  const upserted: Doc[] = [];
  const writeErrors = runStatements(list, ordered(ctx), (raw, index) => {
    const stmt = parseUpdateStatement(raw, existing(ctx, name));
    const collection = existing(ctx, name);
    let matches = scan(collection, stmt.q);
    if (!stmt.multi) matches = matches.slice(0, 1);
    if (matches.length === 0) {
      if (!stmt.upsert) return;
      const doc = upsertDocument(stmt.q, stmt.u, updateContext(ctx, stmt.q, stmt.arrayFilters));
      checkSize(doc);
      ctx.server.catalog.ensure(ctx.db, name).collection.insert(doc);
      upserted.push({ index, _id: doc._id });
      n++;
      return;
    }
    for (const doc of matches) {
      const result = isOperatorUpdate(stmt.u) ? applyOperators(doc, stmt.u, updateContext(ctx, stmt.q, stmt.arrayFilters)) : applyReplacement(doc, stmt.u);
      n++;
      if (!result.modified) continue;
      checkSize(result.doc);
      collection!.replace(doc, result.doc);
      nModified++;
    }
  });
  const reply: Doc = { n, nModified };
  if (upserted.length) reply.upserted = upserted;
  if (writeErrors.length) reply.writeErrors = writeErrors;
  return withWriteConcern(ctx.body, reply);
};

const del: Handler = (ctx) => {
  const name = collectionArg(ctx, 'delete');
  rejectLet(ctx.body);
  const list = statements(ctx, 'delete', 'deletes');
  let n = 0;
  const writeErrors = runStatements(list, ordered(ctx), (raw) => {
    if (!isPlainObject(raw)) throw CommandError.of('TypeMismatch', 'delete statements must be objects');
    const q = optionalDoc(raw, 'q', 'delete.deletes');
    if (!q) throw CommandError.of('FailedToParse', "BSON field 'delete.deletes.q' is missing but a required field");
    if (raw.limit === undefined) throw new CommandError(40414, "BSON field 'delete.deletes.limit' is missing but a required field");
    const limit = numeric(raw.limit)?.approx;
    if (limit !== 0 && limit !== 1) throw CommandError.of('FailedToParse', `The limit field in delete objects must be 0 or 1. Got ${String(limit)}`);
    rejectCollation(raw.collation);
    const collection = existing(ctx, name);
    checkHint(collection, raw.hint);
    let matches = scan(collection, q);
    if (limit === 1) matches = matches.slice(0, 1);
    for (const doc of matches) collection!.remove(doc);
    n += matches.length;
  });
  return withWriteConcern(ctx.body, writeErrors.length ? { n, writeErrors } : { n });
};

/**
 * findAndModify picks the first match in `sort` order and answers `{lastErrorObject, value}`;
 * its failures (E11000 included) are command errors, not write errors.
 */
const findAndModify: Handler = (ctx) => {
  const name = collectionArg(ctx, 'findAndModify');
  const b = ctx.body;
  rejectCollation(b.collation);
  rejectLet(b);
  const query = optionalDoc(b, 'query', 'findAndModify') ?? {};
  const remove = optionalBool(b, 'remove');
  const returnNew = optionalBool(b, 'new');
  const upsert = optionalBool(b, 'upsert');
  if (Array.isArray(b.update)) throw notImplemented('pipeline-style updates');
  const updateDoc = optionalDoc(b, 'update', 'findAndModify');
  if (remove && updateDoc) throw CommandError.of('FailedToParse', 'Cannot specify both an update and remove=true');
  if (!remove && !updateDoc) throw CommandError.of('FailedToParse', 'Either an update or remove=true must be specified');
  if (remove && upsert) throw CommandError.of('FailedToParse', 'Cannot specify both upsert=true and remove=true');
  if (remove && returnNew) throw CommandError.of('FailedToParse', "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document");
  const projection = compileProjection(b.fields);
  const project = (d: Doc | null) => (d && projection ? projection.apply(d) : d);
  const collection = existing(ctx, name);
  checkHint(collection, b.hint);
  const target = sortDocuments(scan(collection, query), parseSort(optionalDoc(b, 'sort', 'findAndModify')))[0];

  if (remove) {
    if (!target) return withWriteConcern(b, { lastErrorObject: { n: 0 }, value: null });
    collection!.remove(target);
    return withWriteConcern(b, { lastErrorObject: { n: 1 }, value: project(target) });
  }
  const u = updateDoc!;
  if (target) {
    const result = isOperatorUpdate(u) ? applyOperators(target, u, updateContext(ctx, query, b.arrayFilters)) : applyReplacement(target, u);
    if (result.modified) {
      checkSize(result.doc);
      collection!.replace(target, result.doc);
    }
    return withWriteConcern(b, { lastErrorObject: { n: 1, updatedExisting: true }, value: project(returnNew ? result.doc : target) });
  }
  if (!upsert) return withWriteConcern(b, { lastErrorObject: { n: 0, updatedExisting: false }, value: null });
  const doc = upsertDocument(query, u, updateContext(ctx, query, b.arrayFilters));
  checkSize(doc);
  ctx.server.catalog.ensure(ctx.db, name).collection.insert(doc);
  return withWriteConcern(b, { lastErrorObject: { n: 1, updatedExisting: false, upserted: doc._id }, value: returnNew ? project(doc) : null });
};

export const writeCommands: Record<string, Handler> = { insert, update, delete: del, findAndModify };
/** Commands the driver may send with a `txnNumber` outside a transaction. */
export const RETRYABLE_WRITES = new Set(['insert', 'update', 'delete', 'findAndModify']);
