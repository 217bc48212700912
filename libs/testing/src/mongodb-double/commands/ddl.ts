/** Collections, indexes and databases: create, drop, list. */
import { formatDocument } from '../bson-format.js';
import { isPlainObject, type Doc } from '../bson-values.js';
import { CommandError, notImplemented } from '../errors.js';
import { isIdIndex, parseIndexSpec, sameKeyPattern, sameOptions, type IndexSpec } from '../indexes.js';
import { compileFilter } from '../query.js';
import { collectionArg, existing, optionalBool, optionalDoc, withWriteConcern, type Handler } from './context.js';

/** Collection options that change behaviour the double does not have. */
const UNSUPPORTED_CREATE_OPTIONS = [
  'capped',
  'size',
  'max',
  'validator',
  'validationLevel',
  'validationAction',
  'viewOn',
  'pipeline',
  'collation',
  'timeseries',
  'clusteredIndex',
  'expireAfterSeconds',
  'changeStreamPreAndPostImages',
  'encryptedFields',
];
const IGNORED_CREATE_OPTIONS = new Set(['create', 'storageEngine', 'indexOptionDefaults', 'idIndex', 'autoIndexId']);

const create: Handler = (ctx) => {
  const name = collectionArg(ctx, 'create');
  const options: Doc = {};
  for (const [k, v] of Object.entries(ctx.body)) {
    if (UNSUPPORTED_CREATE_OPTIONS.includes(k)) throw notImplemented(`collection option '${k}'`);
    if (!IGNORED_CREATE_OPTIONS.has(k) && !GENERIC_FIELDS.has(k)) throw CommandError.of('FailedToParse', `BSON field 'create.${k}' is an unknown field.`);
    if (k === 'storageEngine' || k === 'indexOptionDefaults') options[k] = v;
  }
  const existingCollection = existing(ctx, name);
  // mongod treats a create with identical options as a no-op; different options still fail.
  if (existingCollection && formatDocument(existingCollection.options) === formatDocument(options)) return withWriteConcern(ctx.body, {});
  ctx.server.catalog.create(ctx.db, name, options);
  return withWriteConcern(ctx.body, {});
};

/** Fields every command may carry (generic arguments), besides its own. */
export const GENERIC_FIELDS = new Set([
  '$db',
  'lsid',
  'txnNumber',
  'autocommit',
  'startTransaction',
  '$readPreference',
  'readConcern',
  'writeConcern',
  'maxTimeMS',
  'comment',
  '$clusterTime',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
]);

/** Current servers answer ok for a missing collection (the driver's `drop()` then returns true). */
const drop: Handler = (ctx) => {
  const name = collectionArg(ctx, 'drop');
  const dropped = ctx.server.catalog.drop(ctx.db, name);
  if (!dropped) return withWriteConcern(ctx.body, {});
  ctx.server.cursors.killWhere((ns) => ns === dropped.ns);
  return withWriteConcern(ctx.body, { nIndexesWas: dropped.indexSpecs().length, ns: dropped.ns });
};

const dropDatabase: Handler = (ctx) => {
  ctx.server.catalog.dropDatabase(ctx.db);
  ctx.server.cursors.killWhere((ns) => ns.startsWith(`${ctx.db}.`));
  return withWriteConcern(ctx.body, {});
};

const createIndexes: Handler = (ctx) => {
  const name = collectionArg(ctx, 'createIndexes');
  const raw = ctx.body.indexes;
  if (!Array.isArray(raw) || raw.length === 0) throw CommandError.of('BadValue', 'Must specify at least one index to create');
  const specs = raw.map(parseIndexSpec);
  for (let i = 0; i < specs.length; i++) {
    for (let j = 0; j < i; j++) {
      if (specs[i].name === specs[j].name) throw CommandError.of('IndexKeySpecsConflict', `Identical index names in createIndexes: ${specs[i].name}`);
    }
  }
  const { collection, created } = ctx.server.catalog.ensure(ctx.db, name);
  const before = collection.indexSpecs();
  const toAdd: IndexSpec[] = [];
  for (const spec of specs) {
    const sameName = before.find((s) => s.name === spec.name);
    if (sameName) {
      if (sameKeyPattern(sameName, spec) && sameOptions(sameName, spec)) continue;
      throw CommandError.of(
        'IndexKeySpecsConflict',
        `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${formatDocument(spec)}, existing index: ${formatDocument(sameName)}`,
      );
    }
    const sameKey = before.find((s) => sameKeyPattern(s, spec));
    if (sameKey) {
      if (isIdIndex(spec) && spec.name !== '_id_') throw CommandError.of('BadValue', `The index name for the _id index must be '_id_'; found '${spec.name}'`);
      throw CommandError.of('IndexOptionsConflict', `Index already exists with a different name: ${sameKey.name}`);
    }
    toAdd.push(spec);
  }
  // All or nothing, as mongod commits the indexes of one createIndexes together: one that existing
  // documents break (E11000) fails the command and leaves none of them behind.
  const added: IndexSpec[] = [];
  try {
    for (const spec of toAdd) {
      collection.addIndex(spec);
      added.push(spec);
    }
  } catch (error) {
    for (const spec of added) collection.dropIndex(spec.name);
    throw error;
  }
  const reply: Doc = { numIndexesBefore: before.length, numIndexesAfter: collection.indexSpecs().length, createdCollectionAutomatically: created };
  if (toAdd.length === 0) reply.note = 'all indexes already exist';
  return withWriteConcern(ctx.body, reply);
};

const dropIndexes: Handler = (ctx) => {
  const name = collectionArg(ctx, 'dropIndexes');
  const collection = existing(ctx, name);
  if (!collection) throw CommandError.of('NamespaceNotFound', `ns not found ${ctx.db}.${name}`);
  const specs = collection.indexSpecs();
  const target = ctx.body.index;
  const nIndexesWas = specs.length;
  const byName = (n: string): IndexSpec => {
    const s = specs.find((x) => x.name === n);
    if (!s) throw CommandError.of('IndexNotFound', `index not found with name [${n}]`);
    if (s.name === '_id_') throw CommandError.of('InvalidOptions', 'cannot drop _id index');
    return s;
  };
  let drop: IndexSpec[];
  if (target === '*') drop = specs.filter((s) => s.name !== '_id_');
  else if (typeof target === 'string') drop = [byName(target)];
  else if (Array.isArray(target)) drop = target.map((t) => byName(String(t)));
  else if (isPlainObject(target)) {
    const matching = specs.filter((s) => sameKeyPattern(s, { v: 2, key: target, name: '' }));
    if (matching.length === 0) throw CommandError.of('IndexNotFound', `can't find index with key: ${formatDocument(target)}`);
    drop = [byName(matching[0].name)];
  } else throw CommandError.of('TypeMismatch', "BSON field 'dropIndexes.index' is the wrong type, expected a string, array or object");
  for (const s of drop) collection.dropIndex(s.name);
  return withWriteConcern(ctx.body, target === '*' ? { nIndexesWas, msg: 'non-_id indexes dropped for collection' } : { nIndexesWas });
};

const listDatabases: Handler = (ctx) => {
  if (ctx.db !== 'admin') throw CommandError.of('Unauthorized', 'listDatabases may only be run against the admin database.');
  const nameOnly = optionalBool(ctx.body, 'nameOnly');
  const test = compileFilter(optionalDoc(ctx.body, 'filter', 'listDatabases'));
  const databases = ctx.server.catalog
    .databaseNames()
    .map((name) => (nameOnly ? { name } : { name, sizeOnDisk: 0, empty: false }))
    .filter(test);
  return nameOnly ? { databases } : { databases, totalSize: 0, totalSizeMb: 0 };
};

export const ddlCommands: Record<string, Handler> = { create, drop, dropDatabase, createIndexes, dropIndexes, listDatabases };
