import { Long, MongoClient, type AnyBulkWriteOperation, type Collection, type Db, type Document, type Filter, type Sort } from 'mongodb';
import type { Checkpoint, DocumentWrite, IndexSpec, ProjectionCommit, Query, ReadStore, Scalar, StoredDoc, WriteOptions } from '../read-store.port.js';
import { assertField, assertIndexName, DEFAULT_NAMESPACE, sortKeysOf } from '../query.js';
import { dbNameFromUrl } from './db-name.js';

const CHECKPOINTS = '_checkpoints';
const META = '_meta';
/** Rounds of "E11000 but the stored pos is lower" (a concurrent insert of the same new _id) before giving up. */
const MAX_WRITE_ROUNDS = 3;

type MongoDoc = Document & { _id: string };
interface CheckpointDoc {
  _id: string;
  position: Long | bigint | number | null;
  updatedAt: Date;
}
interface MetaDoc {
  _id: string;
  ns: string;
}

/**
 * Read models in MongoDB. Layout: one collection `<ns>.<collection>` per namespace and collection,
 * holding the documents as given (`_id`, `pos`, fields); checkpoints in `<ns>._checkpoints` as
 * `{_id: projection, position: Long|null, updatedAt}`; the active namespace in `_meta` as
 * `{_id: 'active', ns}`.
 *
 * Exactly-once without transactions: each document is written by `replaceOne({_id, pos: {$lt: p}},
 * doc, {upsert: true})`, so a stored document with pos ≥ p is never touched (the upsert then fails
 * with E11000 on `_id`, which means "already applied"), and the checkpoint is written only after
 * every document of the batch is, so a crash in between re-applies a batch that changes nothing.
 */
export class MongoReadStore implements ReadStore {
  readonly kind = 'mongodb' as const;
  private closed = false;

  static async connect(url: string, options: { dbName?: string } = {}): Promise<MongoReadStore> {
    const client = new MongoClient(url, { ignoreUndefined: true });
    await client.connect();
    return new MongoReadStore(client, client.db(options.dbName ?? dbNameFromUrl(url)));
  }

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {}

  async activeNamespace(): Promise<string> {
    const row = await this.db.collection<MetaDoc>(META).findOne({ _id: 'active' });
    return row?.ns ?? DEFAULT_NAMESPACE;
  }

  async activate(namespace: string): Promise<void> {
    assertNamespace(namespace);
    await this.db.collection<MetaDoc>(META).updateOne({ _id: 'active' }, { $set: { ns: namespace } }, { upsert: true });
  }

  async dropNamespace(namespace: string): Promise<void> {
    assertNamespace(namespace);
    if (namespace === (await this.activeNamespace())) throw new Error(`refusing to drop the active namespace ${namespace}`);
    const checkpoints = `${namespace}.${CHECKPOINTS}`;
    const ours = (await this.collectionNames()).filter((n) => n.startsWith(`${namespace}.`));
    // Checkpoints last: a drop interrupted half-way still shows the namespace in listNamespaces.
    for (const name of [...ours.filter((n) => n !== checkpoints), ...ours.filter((n) => n === checkpoints)]) {
      await this.db.collection(name).drop();
    }
  }

  async listNamespaces(): Promise<string[]> {
    const namespaces = new Set<string>();
    for (const name of await this.collectionNames()) {
      const dot = name.indexOf('.');
      if (dot > 0 && !name.startsWith('system.')) namespaces.add(name.slice(0, dot));
    }
    return [...namespaces].sort();
  }

  async getCheckpoint(namespace: string, projection: string): Promise<Checkpoint> {
    const row = await this.checkpoints(namespace).findOne({ _id: projection }, { useBigInt64: true });
    if (!row) return { position: null, updatedAt: new Date(0) };
    return { position: toBigInt(row.position), updatedAt: row.updatedAt instanceof Date ? row.updatedAt : new Date(row.updatedAt) };
  }

  async getMany(namespace: string, collection: string, ids: string[]): Promise<Map<string, StoredDoc>> {
    const out = new Map<string, StoredDoc>();
    const unique = [...new Set(ids)];
    if (unique.length === 0) return out;
    for await (const doc of this.docs(namespace, collection).find({ _id: { $in: unique } })) out.set(doc._id, doc as StoredDoc);
    return out;
  }

  async commit(namespace: string, projection: string, writes: DocumentWrite[], position: bigint): Promise<void> {
    this.assertOpen();
    assertNamespace(namespace);
    const byCollection = foldWrites(writes.filter((w) => !w.remove));
    await allSettledOrThrow([...byCollection].map(([collection, docs]) => this.writeGuarded(this.docs(namespace, collection), docs)));
    // Removals guarded by pos like the upserts: a batch applied again removes nothing newer.
    for (const [collection, docs] of foldWrites(writes.filter((w) => w.remove))) {
      await this.docs(namespace, collection).bulkWrite(
        docs.map((doc) => ({ deleteOne: { filter: { _id: doc._id, pos: { $lt: doc.pos } } } })),
        { ordered: false },
      );
    }
    // Only now: a checkpoint never runs ahead of the documents it covers.
    await this.checkpoints(namespace).updateOne({ _id: projection }, { $set: { position: Long.fromBigInt(position), updatedAt: new Date() } }, { upsert: true });
  }

  /** Concurrently: each projection's documents, then its checkpoint, as `commit` writes them. */
  async commitAll(namespace: string, commits: readonly ProjectionCommit[]): Promise<void> {
    await allSettledOrThrow(commits.map((c) => this.commit(namespace, c.projection, c.writes, c.position)));
  }

  async put(namespace: string, collection: string, doc: StoredDoc, options: WriteOptions = {}): Promise<void> {
    this.assertOpen();
    const plain = JSON.parse(JSON.stringify(doc)) as StoredDoc;
    await this.docs(namespace, collection).replaceOne({ _id: plain._id }, plain, { upsert: true, ...journaled(options) });
  }

  /** A single-document write whose filter is the compare; the first one is an insert that loses on `_id` (E11000). */
  async replaceIf(namespace: string, collection: string, doc: StoredDoc, expectedPos: number | null): Promise<boolean> {
    this.assertOpen();
    const plain = JSON.parse(JSON.stringify(doc)) as StoredDoc;
    const docs = this.docs(namespace, collection);
    if (expectedPos !== null) return (await docs.replaceOne({ _id: plain._id, pos: expectedPos }, plain)).matchedCount === 1;
    try {
      await docs.insertOne(plain);
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === 11000) return false;
      throw error;
    }
  }

  async delete(namespace: string, collection: string, id: string, options: WriteOptions = {}): Promise<boolean> {
    this.assertOpen();
    return (await this.docs(namespace, collection).deleteOne({ _id: id }, journaled(options))).deletedCount > 0;
  }

  async get(namespace: string, collection: string, id: string): Promise<StoredDoc | null> {
    return (await this.docs(namespace, collection).findOne({ _id: id })) as StoredDoc | null;
  }

  /** A compound index, `_id` ascending last (the tie-breaker of every sort `toMongoFind` writes). */
  async ensureIndex(namespace: string, collection: string, index: IndexSpec): Promise<void> {
    await this.docs(namespace, collection).createIndex(indexKeyOf(index), { name: assertIndexName(index.name) });
  }

  async find(namespace: string, collection: string, query: Query): Promise<StoredDoc[]> {
    const { filter, sort, limit } = toMongoFind(query);
    if (limit === 0) return [];
    const cursor = this.docs(namespace, collection).find(filter as Filter<MongoDoc>, { sort });
    if (limit !== undefined) cursor.limit(limit);
    return (await cursor.toArray()) as StoredDoc[];
  }

  async count(namespace: string, collection: string): Promise<number> {
    return this.docs(namespace, collection).countDocuments({});
  }

  async *all(namespace: string, collection: string): AsyncIterable<StoredDoc> {
    const cursor = this.docs(namespace, collection).find({}, { sort: { _id: 1 }, batchSize: 500 });
    try {
      for await (const doc of cursor) yield doc as StoredDoc;
    } finally {
      await cursor.close();
    }
  }

  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }

  /**
   * One unordered bulkWrite of guarded upserts. E11000 on an op means the stored document has
   * pos ≥ the new one (already applied) — checked by reading the stored pos back, because a
   * concurrent insert of the same new `_id` (or a unique index other than `_id`) gives E11000 too:
   * those ops are written again, a bounded number of times.
   */
  private async writeGuarded(coll: Collection<MongoDoc>, docs: StoredDoc[]): Promise<void> {
    let pending = docs;
    for (let round = 1; pending.length > 0; round++) {
      let failure: unknown;
      try {
        await coll.bulkWrite(guardedUpserts(pending), { ordered: false });
        return;
      } catch (error) {
        failure = error;
      }
      const duplicates = alreadyAppliedIndexes(failure);
      if (duplicates === null) throw failure;
      pending = await this.staleAmong(
        coll,
        duplicates.map((i) => pending[i]),
      );
      if (pending.length > 0 && round >= MAX_WRITE_ROUNDS) {
        const ids = pending.map((d) => d._id).join(', ');
        throw new Error(`duplicate key in ${coll.collectionName} for ${ids} although the stored pos is lower`, { cause: failure });
      }
    }
  }

  /** The documents whose stored version is missing or has a lower pos than theirs. */
  private async staleAmong(coll: Collection<MongoDoc>, docs: StoredDoc[]): Promise<StoredDoc[]> {
    const stored = new Map<string, unknown>();
    for await (const row of coll.find({ _id: { $in: docs.map((d) => d._id) } }, { projection: { pos: 1 } })) stored.set(row._id, row.pos);
    return docs.filter((d) => {
      const pos = stored.get(d._id);
      return !(typeof pos === 'number' && pos >= d.pos);
    });
  }

  private docs(namespace: string, collection: string): Collection<MongoDoc> {
    assertNamespace(namespace);
    assertCollection(collection);
    return this.db.collection<MongoDoc>(`${namespace}.${collection}`);
  }

  private checkpoints(namespace: string): Collection<CheckpointDoc> {
    assertNamespace(namespace);
    return this.db.collection<CheckpointDoc>(`${namespace}.${CHECKPOINTS}`);
  }

  private async collectionNames(): Promise<string[]> {
    const rows = await this.db.listCollections({}, { nameOnly: true, authorizedCollections: true }).toArray();
    return rows.map((r) => r.name);
  }

  private assertOpen() {
    if (this.closed) throw new Error('read store is closed');
  }
}

// ---------------------------------------------------------------------------------------------
// Pure helpers (exported for tests)

/**
 * The batch's documents per collection, one per `_id` (the last write of an `_id` wins), as JSON:
 * stored exactly as the SQLite adapter stores them (Dates become ISO strings, undefined drops), so
 * strings and numbers compare as themselves in both.
 */
export function foldWrites(writes: DocumentWrite[]): Map<string, StoredDoc[]> {
  const byCollection = new Map<string, Map<string, StoredDoc>>();
  for (const { collection, doc } of writes) {
    assertCollection(collection);
    if (typeof doc._id !== 'string') throw new Error(`document _id must be a string in ${collection}`);
    if (typeof doc.pos !== 'number' || !Number.isFinite(doc.pos)) throw new Error(`document ${doc._id} in ${collection} has no numeric pos`);
    let docs = byCollection.get(collection);
    if (!docs) byCollection.set(collection, (docs = new Map()));
    docs.delete(doc._id); // keep the batch order of the surviving writes
    docs.set(doc._id, JSON.parse(JSON.stringify(doc)) as StoredDoc);
  }
  return new Map([...byCollection].map(([collection, docs]) => [collection, [...docs.values()]]));
}

/** The guarded upsert of each document: replaces only a stored version with a lower pos. */
export function guardedUpserts(docs: StoredDoc[]): AnyBulkWriteOperation<MongoDoc>[] {
  return docs.map((doc) => ({
    replaceOne: { filter: { _id: doc._id, pos: { $lt: doc.pos } }, replacement: doc, upsert: true },
  }));
}

/**
 * Classifies a bulkWrite failure of guarded upserts: the op indexes that failed with duplicate key
 * (E11000, i.e. already applied) when those are its only failures; null when anything else went
 * wrong (another write error, a write concern error, a network or command error) — rethrow then.
 */
export function alreadyAppliedIndexes(error: unknown): number[] | null {
  if (typeof error !== 'object' || error === null || !('writeErrors' in error)) return null;
  const e = error as { writeErrors?: unknown; result?: { getWriteConcernError?: () => unknown }; errorResponse?: { writeConcernError?: unknown } };
  const writeErrors = (Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : []) as { code?: unknown; index?: unknown }[];
  if (writeErrors.length === 0) return null;
  if (typeof e.result?.getWriteConcernError === 'function' && e.result.getWriteConcernError()) return null;
  if (e.errorResponse?.writeConcernError) return null;
  const indexes: number[] = [];
  for (const w of writeErrors) {
    if (w.code !== 11000 || typeof w.index !== 'number') return null;
    indexes.push(w.index);
  }
  return indexes;
}

export interface MongoFind {
  filter: Document;
  sort: Sort;
  /** undefined = no limit (a negative SQL LIMIT); 0 = no documents. */
  limit: number | undefined;
}

/**
 * A port `Query` as a Mongo filter, sort and limit, with the SQLite adapter's semantics: equality
 * (null matches null and missing), half-open range, sort keys + `_id` tie-breaker, and the keyset
 * cursor as an `$or` of "equal on the first i−1 keys, strictly after on key i". Values compare as
 * themselves (no casting between strings, numbers, dates).
 */
export function toMongoFind(query: Query): MongoFind {
  const clauses: Document[] = [];
  for (const [field, value] of Object.entries(query.where ?? {})) clauses.push({ [assertField(field)]: { $eq: value } });
  if (query.range) {
    const field = assertField(query.range.field);
    const { gte, lt } = query.range;
    // SQL `x >= NULL` is never true: a null bound matches nothing there, so here too.
    if (gte === null || lt === null) clauses.push(NOTHING);
    else {
      const cond: Document = {};
      if (gte !== undefined) cond.$gte = gte;
      if (lt !== undefined) cond.$lt = lt;
      if (Object.keys(cond).length > 0) clauses.push({ [field]: cond });
    }
  }
  const keys = sortKeysOf(query).map((k) => ({ field: assertField(k.field), direction: k.direction }));
  if (query.after) clauses.push(keysetClause(keys, query.after));
  const sort: Record<string, 1 | -1> = {};
  for (const k of keys) if (!(k.field in sort)) sort[k.field] = k.direction === 'asc' ? 1 : -1;
  const limit = query.limit < 0 ? undefined : query.limit;
  return { filter: clauses.length === 0 ? {} : clauses.length === 1 ? clauses[0] : { $and: clauses }, sort, limit };
}

/** The key pattern of an `IndexSpec`: its fields in their directions, then `_id` ascending. */
export function indexKeyOf(index: IndexSpec): Record<string, 1 | -1> {
  const key: Record<string, 1 | -1> = {};
  for (const k of index.fields) key[assertField(k.field)] = k.direction === 'asc' ? 1 : -1;
  key._id = 1;
  return key;
}

const NOTHING: Document = { _id: { $in: [] } };

function keysetClause(keys: { field: string; direction: 'asc' | 'desc' }[], after: Scalar[]): Document {
  const alternatives: Document[] = [];
  // A cursor shorter than the keys: the missing values compare as SQL NULL (never true), so the
  // alternatives that need them are left out, as in SQLite.
  for (let i = 0; i < Math.min(keys.length, after.length); i++) {
    const strictlyAfter = afterValue(keys[i].field, keys[i].direction, after[i] ?? null);
    if (!strictlyAfter) continue;
    const parts: Document[] = [];
    for (let j = 0; j < i; j++) parts.push({ [keys[j].field]: { $eq: after[j] ?? null } });
    parts.push(strictlyAfter);
    alternatives.push(parts.length === 1 ? parts[0] : { $and: parts });
  }
  if (alternatives.length === 0) return NOTHING;
  return alternatives.length === 1 ? alternatives[0] : { $or: alternatives };
}

/**
 * "Sorts strictly after `value`" on one key. Null and missing sort first in both stores, but Mongo
 * compares within one type only (`$gt: null` and `$lt: 1` never match null): so ascending past a
 * null means "any non-null value", descending past a null means nothing, and descending past a
 * value also takes the nulls, which come last. (SQLite's `x > NULL` / `NULL < 1` are never true:
 * its pages stop at, or skip, the documents with a null sort key.)
 */
function afterValue(field: string, direction: 'asc' | 'desc', value: Scalar): Document | null {
  if (value === null) return direction === 'asc' ? { [field]: { $ne: null } } : null;
  if (direction === 'asc') return { [field]: { $gt: value } };
  return { $or: [{ [field]: { $lt: value } }, { [field]: { $eq: null } }] };
}

function toBigInt(value: unknown): bigint | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  if (value instanceof Long) return value.toBigInt();
  if (typeof value === 'object' && 'toBigInt' in value && typeof (value as Long).toBigInt === 'function') return (value as Long).toBigInt();
  throw new Error(`unexpected checkpoint position ${String(value)}`);
}

/** A namespace prefixes collection names up to the first dot: no dot, no `$`, not `system`. */
function assertNamespace(namespace: string): string {
  if (!namespace || /[.$\0/\\ "*<>:|?]/.test(namespace) || namespace === 'system') throw new Error(`invalid namespace ${namespace}`);
  return namespace;
}

function assertCollection(collection: string): string {
  if (!collection || /[$\0]/.test(collection) || collection === CHECKPOINTS || collection.startsWith('system.')) {
    throw new Error(`invalid collection name ${collection}`);
  }
  return collection;
}

/** Waits for every write to end (none left running behind a failure), then throws the first failure. */
async function allSettledOrThrow(writes: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(writes)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** A durable write waits for the journal (`j: true`), with the deployment's `w` as it is. */
const journaled = (options: WriteOptions) => (options.durable ? { writeConcern: { j: true } } : {});
