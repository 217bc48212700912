/** Reading commands: find with its cursor, count, distinct, aggregate and the catalog listings. */
import { Long } from 'bson';
import { compareValues, isPlainObject, numeric, type Doc } from '../bson-values.js';
import { CommandError, notImplemented } from '../errors.js';
import { runPipeline } from '../aggregate.js';
import { valuesAtPath } from '../paths.js';
import { compileProjection } from '../projection.js';
import { compileFilter, nonNegativeInt, parseSort, sortDocuments } from '../query.js';
import { scan } from '../scan.js';
import { checkHint, collectionArg, existing, optionalBool, optionalDoc, rejectCollation, rejectLet, type CommandContext, type Handler } from './context.js';

/** mongod's default first batch for find and aggregate. */
const DEFAULT_FIRST_BATCH = 101;
const UNSUPPORTED_FIND_OPTIONS = ['min', 'max', 'returnKey', 'showRecordId', 'tailable', 'awaitData', 'oplogReplay'];

function cursorReply(batchField: 'firstBatch' | 'nextBatch', res: { id: Long; ns: string; batch: Doc[] }): Doc {
  return { cursor: { [batchField]: res.batch, id: res.id, ns: res.ns } };
}

/** `cursor: {batchSize}` of aggregate and the listings. */
function cursorOption(ctx: CommandContext, command: string, required: boolean): number | undefined {
  const cursor = ctx.body.cursor;
  if (cursor === undefined) {
    if (required) throw CommandError.of('FailedToParse', "The 'cursor' option is required, except for aggregate with the explain argument");
    return undefined;
  }
  if (!isPlainObject(cursor)) throw CommandError.of('TypeMismatch', `BSON field '${command}.cursor' is the wrong type, expected type 'object'`);
  return nonNegativeInt(cursor.batchSize, 'batchSize');
}

const find: Handler = (ctx) => {
  const name = collectionArg(ctx, 'find');
  const b = ctx.body;
  rejectCollation(b.collation);
  rejectLet(b);
  for (const option of UNSUPPORTED_FIND_OPTIONS) if (b[option] !== undefined && b[option] !== false) throw notImplemented(`find option '${option}'`);
  const filter = optionalDoc(b, 'filter', 'find');
  const sort = parseSort(optionalDoc(b, 'sort', 'find'));
  const projection = compileProjection(b.projection);
  const skip = nonNegativeInt(b.skip, 'skip') ?? 0;
  const limit = nonNegativeInt(b.limit, 'limit') || undefined; // 0 means no limit
  const batchSize = nonNegativeInt(b.batchSize, 'batchSize');
  const collection = existing(ctx, name);
  checkHint(collection, b.hint);

  let docs = sortDocuments(scan(collection, filter), sort);
  docs = docs.slice(skip, limit === undefined ? undefined : skip + limit);
  if (projection) docs = docs.map((d) => projection.apply(d));
  const res = ctx.server.cursors.first(`${ctx.db}.${name}`, docs, {
    batchSize: batchSize ?? DEFAULT_FIRST_BATCH,
    singleBatch: optionalBool(b, 'singleBatch'),
    lsid: ctx.lsid,
    noTimeout: optionalBool(b, 'noCursorTimeout'),
  });
  return cursorReply('firstBatch', res);
};

const getMore: Handler = (ctx) => {
  const id = ctx.body.getMore;
  if (!(id instanceof Long)) throw CommandError.of('TypeMismatch', "Field 'getMore' must be of type long");
  const collection = ctx.body.collection;
  if (typeof collection !== 'string') throw CommandError.of('TypeMismatch', "BSON field 'getMore.collection' is the wrong type, expected type 'string'");
  const batchSize = nonNegativeInt(ctx.body.batchSize, 'batchSize') || undefined; // 0: no limit
  const res = ctx.server.cursors.more(id.toBigInt(), `${ctx.db}.${collection}`, batchSize);
  return cursorReply('nextBatch', res);
};

const killCursors: Handler = (ctx) => {
  collectionArg(ctx, 'killCursors');
  const ids = ctx.body.cursors;
  if (!Array.isArray(ids) || ids.some((i) => !(i instanceof Long))) throw CommandError.of('TypeMismatch', "BSON field 'killCursors.cursors' is the wrong type, expected an array of long");
  const { killed, notFound } = ctx.server.cursors.kill((ids as Long[]).map((i) => i.toBigInt()));
  return {
    cursorsKilled: killed.map((i) => Long.fromBigInt(i)),
    cursorsNotFound: notFound.map((i) => Long.fromBigInt(i)),
    cursorsAlive: [],
    cursorsUnknown: [],
  };
};

const count: Handler = (ctx) => {
  const name = collectionArg(ctx, 'count');
  const b = ctx.body;
  rejectCollation(b.collation);
  const collection = existing(ctx, name);
  checkHint(collection, b.hint);
  const query = optionalDoc(b, 'query', 'count');
  const skip = nonNegativeInt(b.skip, 'skip') ?? 0;
  const rawLimit = numeric(b.limit)?.approx;
  const limit = rawLimit ? Math.abs(Math.trunc(rawLimit)) : undefined; // mongod takes |limit|
  const n = query && Object.keys(query).length > 0 ? scan(collection, query).length : (collection?.size ?? 0);
  const afterSkip = Math.max(0, n - skip);
  return { n: limit === undefined ? afterSkip : Math.min(afterSkip, limit) };
};

const distinct: Handler = (ctx) => {
  const name = collectionArg(ctx, 'distinct');
  const b = ctx.body;
  rejectCollation(b.collation);
  if (typeof b.key !== 'string') throw CommandError.of('TypeMismatch', "BSON field 'distinct.key' is the wrong type, expected type 'string'");
  const key = b.key;
  const collection = existing(ctx, name);
  checkHint(collection, b.hint);
  const values: unknown[] = [];
  for (const doc of scan(collection, optionalDoc(b, 'query', 'distinct'))) {
    for (const v of valuesAtPath(doc, key).values) {
      if (v !== undefined && !values.some((x) => compareValues(x, v) === 0)) values.push(v);
    }
  }
  return { values };
};

const aggregate: Handler = (ctx) => {
  const b = ctx.body;
  if (typeof b.aggregate !== 'string') throw notImplemented('database-level aggregate ({aggregate: 1})');
  const name = collectionArg(ctx, 'aggregate');
  if (b.explain !== undefined) throw notImplemented('explain');
  rejectCollation(b.collation);
  rejectLet(b);
  const batchSize = cursorOption(ctx, 'aggregate', true);
  const collection = existing(ctx, name);
  checkHint(collection, b.hint);
  const docs = runPipeline(collection?.all() ?? [], b.pipeline, (other) => ctx.server.catalog.get(ctx.db, other)?.all() ?? []);
  const res = ctx.server.cursors.first(`${ctx.db}.${name}`, docs, { batchSize: batchSize ?? DEFAULT_FIRST_BATCH, lsid: ctx.lsid });
  return cursorReply('firstBatch', res);
};

const listCollections: Handler = (ctx) => {
  const b = ctx.body;
  const filter = optionalDoc(b, 'filter', 'listCollections');
  const nameOnly = optionalBool(b, 'nameOnly');
  const batchSize = cursorOption(ctx, 'listCollections', false);
  const infos = ctx.server.catalog
    .collections(ctx.db)
    .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
    .map((c) =>
      nameOnly
        ? { name: c.name, type: 'collection' }
        : { name: c.name, type: 'collection', options: c.options, info: { readOnly: false, uuid: c.uuid }, idIndex: { v: 2, key: { _id: 1 }, name: '_id_' } },
    );
  const test = compileFilter(filter);
  const res = ctx.server.cursors.first(`${ctx.db}.$cmd.listCollections`, infos.filter(test), { batchSize, lsid: ctx.lsid });
  return cursorReply('firstBatch', res);
};

const listIndexes: Handler = (ctx) => {
  const name = collectionArg(ctx, 'listIndexes');
  const batchSize = cursorOption(ctx, 'listIndexes', false);
  const collection = existing(ctx, name);
  if (!collection) throw CommandError.of('NamespaceNotFound', `ns does not exist: ${ctx.db}.${name}`);
  const res = ctx.server.cursors.first(`${ctx.db}.$cmd.listIndexes.${name}`, collection.indexSpecs() as Doc[], { batchSize, lsid: ctx.lsid });
  return cursorReply('firstBatch', res);
};

export const readCommands: Record<string, Handler> = { find, getMore, killCursors, count, distinct, aggregate, listCollections, listIndexes };
