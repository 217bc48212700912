/**
 * The double itself, through the official driver (and, where the driver hides the wire, a raw
 * socket): what the read-store contract does not reach. Expectations are mongod's behaviour as
 * documented in README.md, not whatever the double happens to do.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { BSON, Binary, Decimal128, Double, Int32, Long, ObjectId, UUID } from 'bson';
import { MongoBulkWriteError, MongoClient, MongoServerError, type CommandStartedEvent, type Db, type Document, type TopologyDescriptionChangedEvent } from 'mongodb';
import { startMongoDbDouble, type MongoDbDouble } from './index.js';

let double: MongoDbDouble;
let client: MongoClient;
let db: Db;
let dbCounter = 0;

beforeAll(async () => {
  double = await startMongoDbDouble();
  client = await MongoClient.connect(double.url, { monitorCommands: true });
});
afterAll(async () => {
  await client?.close();
  await double?.close();
});
beforeEach(() => {
  db = client.db(`double_spec_${++dbCounter}`);
});

/** The commands the driver sends while `run` runs, as command monitoring reports them. */
async function commandsDuring(run: () => Promise<unknown>): Promise<{ started: CommandStartedEvent[]; replies: Document[] }> {
  const started: CommandStartedEvent[] = [];
  const replies: Document[] = [];
  const onStart = (e: CommandStartedEvent) => started.push(e);
  const onOk = (e: { reply: Document }) => replies.push(e.reply);
  client.on('commandStarted', onStart);
  client.on('commandSucceeded', onOk);
  try {
    await run();
  } finally {
    client.off('commandStarted', onStart);
    client.off('commandSucceeded', onOk);
  }
  return { started, replies };
}

describe('handshake', () => {
  it('presents a one-member replica set primary at the URL it gives out', async () => {
    expect(double.url).toBe(`mongodb://127.0.0.1:${double.port}/?directConnection=true`);
    const hello = await client.db('admin').command({ hello: 1 });
    expect(hello).toMatchObject({
      ok: 1,
      isWritablePrimary: true,
      setName: 'rs0',
      hosts: [`127.0.0.1:${double.port}`],
      maxWireVersion: 21,
      logicalSessionTimeoutMinutes: 30,
      maxWriteBatchSize: 100000,
    });
    expect(hello.topologyVersion).toBeUndefined();
    expect((await client.db('admin').command({ buildInfo: 1 })).version).toBe('7.0.0');
  });

  it('is seen by the driver as an RSPrimary (direct) and as a replica set with a primary (replicaSet=rs0)', async () => {
    const topologyOf = async (url: string) => {
      const probe = new MongoClient(url, { serverSelectionTimeoutMS: 3000 });
      let last: TopologyDescriptionChangedEvent | undefined;
      probe.on('topologyDescriptionChanged', (e) => (last = e));
      try {
        await probe.db('x').command({ ping: 1 });
        return { type: last!.newDescription.type, servers: [...last!.newDescription.servers.values()].map((d) => [d.address, d.type]) };
      } finally {
        await probe.close();
      }
    };
    const address = `127.0.0.1:${double.port}`;
    expect(await topologyOf(double.url)).toEqual({ type: 'Single', servers: [[address, 'RSPrimary']] });
    expect(await topologyOf(`mongodb://${address}/?replicaSet=rs0`)).toEqual({ type: 'ReplicaSetWithPrimary', servers: [[address, 'RSPrimary']] });
  });

  it('answers unknown commands with CommandNotFound and known-but-absent ones with NotImplemented', async () => {
    await expect(db.command({ frobnicate: 1 })).rejects.toMatchObject({ code: 59, codeName: 'CommandNotFound', errmsg: "no such command: 'frobnicate'" });
    await expect(db.command({ renameCollection: 'a.b', to: 'a.c' })).rejects.toMatchObject({ code: 238, codeName: 'NotImplemented' });
  });
});

describe('duplicate keys (E11000) as the driver surfaces them', () => {
  it('insertOne on an existing _id: MongoServerError 11000 with the server message, keyPattern and keyValue', async () => {
    const c = db.collection('c');
    await c.insertOne({ _id: 'a' as never, v: 1 });
    const error = await c.insertOne({ _id: 'a' as never, v: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({
      code: 11000,
      errmsg: `E11000 duplicate key error collection: ${db.databaseName}.c index: _id_ dup key: { _id: "a" }`,
      keyPattern: { _id: 1 },
      keyValue: { _id: 'a' },
    });
    expect(await c.findOne({ _id: 'a' as never })).toEqual({ _id: 'a', v: 1 });
  });

  it('a unique secondary index: numbers collide across int32, int64 and double; missing fields collide as null', async () => {
    const c = db.collection('users');
    expect(await c.createIndex({ n: 1 }, { unique: true })).toBe('n_1');
    await c.insertOne({ n: 1 });
    await expect(c.insertOne({ n: Long.fromNumber(1) })).rejects.toMatchObject({ code: 11000, keyValue: { n: 1 } });
    const asDouble = await c.insertOne({ n: new Double(1) }).catch((e: MongoServerError) => e);
    expect((asDouble as MongoServerError).errmsg).toBe(`E11000 duplicate key error collection: ${db.databaseName}.users index: n_1 dup key: { n: 1.0 }`);
    await c.insertOne({ other: true });
    await expect(c.insertOne({ other: false })).rejects.toMatchObject({ code: 11000, keyPattern: { n: 1 }, keyValue: { n: null } });
    await c.createIndex({ e: 1 }, { unique: true, sparse: true });
    await c.insertMany([{ n: 10 }, { n: 11 }]); // neither has e: a sparse index leaves them out
    expect(await c.countDocuments()).toBe(4);
  });

  it('an update or a findAndModify that would duplicate a key changes nothing; findAndModify fails as a command', async () => {
    const c = db.collection('people');
    await c.createIndex({ email: 1 }, { unique: true, name: 'by_email' });
    await c.insertMany([
      { _id: 1 as never, email: 'a@x' },
      { _id: 2 as never, email: 'b@x' },
    ]);
    await expect(c.updateOne({ _id: 2 as never }, { $set: { email: 'a@x' } })).rejects.toMatchObject({
      code: 11000,
      errmsg: `E11000 duplicate key error collection: ${db.databaseName}.people index: by_email dup key: { email: "a@x" }`,
    });
    const fam = await c.findOneAndUpdate({ _id: 2 as never }, { $set: { email: 'a@x' } }).catch((e: MongoServerError) => e);
    expect(fam).toMatchObject({ code: 11000, codeName: 'DuplicateKey', keyPattern: { email: 1 }, keyValue: { email: 'a@x' } });
    expect(await c.findOne({ _id: 2 as never })).toEqual({ _id: 2, email: 'b@x' });
  });

  it('a unique index over existing duplicates is refused and not created', async () => {
    const c = db.collection('dups');
    await c.insertMany([{ k: 'x' }, { k: 'x' }]);
    await expect(c.createIndex({ k: 1 }, { unique: true })).rejects.toMatchObject({ code: 11000, keyValue: { k: 'x' } });
    expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
  });
});

describe('cursors', () => {
  beforeEach(async () => {
    await db.collection('many').insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: i as never, i })));
  });

  it('batches by batchSize across getMore; the id is an int64, 0 once exhausted', async () => {
    const { started, replies } = await commandsDuring(() => db.collection('many').find({}, { batchSize: 100 }).sort({ i: 1 }).toArray());
    expect(started.map((e) => e.commandName)).toEqual(['find', 'getMore', 'getMore']);
    const batches = replies.map((r) => (r.cursor.firstBatch ?? r.cursor.nextBatch) as Document[]);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(batches.flat().map((d) => d.i)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(replies.map((r) => String(r.cursor.id) === '0')).toEqual([false, false, true]);
    expect(replies[0].cursor.ns).toBe(`${db.databaseName}.many`);
  });

  it('defaults to a first batch of 101 and no getMore batch size; limit closes the cursor', async () => {
    const all = await commandsDuring(() => db.collection('many').find().toArray());
    expect(all.replies.map((r) => (r.cursor.firstBatch ?? r.cursor.nextBatch).length)).toEqual([101, 149]);
    const limited = await commandsDuring(() =>
      db
        .collection('many')
        .find({ i: { $gte: 10 } }, { limit: 150, batchSize: 100 })
        .toArray(),
    );
    expect(limited.replies.map((r) => (r.cursor.firstBatch ?? r.cursor.nextBatch).length)).toEqual([100, 50]);
    expect(String(limited.replies[1].cursor.id)).toBe('0');
  });

  it('killCursors closes a cursor: a later getMore finds nothing (CursorNotFound)', async () => {
    const cursor = db.collection('many').find({}, { batchSize: 10 });
    await cursor.next();
    const id = cursor.id!;
    expect(id.isZero()).toBe(false);
    const { started } = await commandsDuring(() => cursor.close());
    expect(started.map((e) => e.commandName)).toEqual(['killCursors']);
    await expect(db.command({ getMore: id, collection: 'many' })).rejects.toMatchObject({ code: 43, codeName: 'CursorNotFound' });
  });
});

describe('bulk writes', () => {
  const ops = () => [
    { insertOne: { document: { _id: 'a', v: 1 } } },
    { insertOne: { document: { _id: 'taken', v: 2 } } },
    { insertOne: { document: { _id: 'c', v: 3 } } },
    { updateOne: { filter: { _id: 'c' }, update: { $inc: { v: 10 } } } },
    { deleteOne: { filter: { _id: 'a' } } },
  ];

  it('ordered: stops at the failing operation and reports it by its index in the bulk', async () => {
    const c = db.collection<{ _id: string; v: number }>('ordered');
    await c.insertOne({ _id: 'taken', v: 0 });
    const error = (await c.bulkWrite(ops(), { ordered: true }).catch((e: unknown) => e)) as MongoBulkWriteError;
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    expect(error.code).toBe(11000);
    const writeErrors = [error.writeErrors].flat();
    expect(writeErrors).toHaveLength(1);
    expect(writeErrors[0]).toMatchObject({ index: 1, code: 11000 });
    expect(error.insertedCount).toBe(1);
    expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'a', v: 1 },
      { _id: 'taken', v: 0 },
    ]);
  });

  it('unordered: runs the rest and reports every failure by its index in the bulk', async () => {
    const c = db.collection<{ _id: string; v: number }>('unordered');
    await c.insertOne({ _id: 'taken', v: 0 });
    const error = (await c.bulkWrite([...ops(), { insertOne: { document: { _id: 'a', v: 9 } } }], { ordered: false }).catch((e: unknown) => e)) as MongoBulkWriteError;
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    expect([error.writeErrors].flat().map((w) => [w.index, w.code])).toEqual([
      [1, 11000],
      [5, 11000],
    ]);
    expect(error.insertedCount).toBe(2);
    expect(error.modifiedCount).toBe(1);
    expect(error.deletedCount).toBe(1);
    // Unordered batches run by type (inserts, then updates, then deletes), as the driver groups them.
    expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'c', v: 13 },
      { _id: 'taken', v: 0 },
    ]);
  });

  it('sends large insertMany batches as OP_MSG document sequences and gets all of them in', async () => {
    const c = db.collection('big');
    const result = await c.insertMany(Array.from({ length: 3000 }, (_, i) => ({ i, pad: 'x'.repeat(100) })));
    expect(result.insertedCount).toBe(3000);
    expect(await c.estimatedDocumentCount()).toBe(3000);
  });
});

describe('findAndModify', () => {
  it('upserts from the filter, applies $setOnInsert only on insert, and reports it in lastErrorObject', async () => {
    const leases = db.collection<{ _id: string; owner: string; expiresAt: number; createdAt?: Date }>('leases');
    const first = await leases.findOneAndUpdate(
      { _id: 'projector', $or: [{ owner: 'w1' }, { expiresAt: { $lt: 100 } }] },
      { $set: { owner: 'w1', expiresAt: 200 }, $setOnInsert: { createdAt: new Date(0) } },
      { upsert: true, returnDocument: 'after', includeResultMetadata: true },
    );
    expect(first.lastErrorObject).toEqual({ n: 1, updatedExisting: false, upserted: 'projector' });
    expect(first.value).toEqual({ _id: 'projector', owner: 'w1', expiresAt: 200, createdAt: new Date(0) });

    const renewed = await leases.findOneAndUpdate(
      { _id: 'projector', owner: 'w1' },
      { $set: { expiresAt: 300 }, $setOnInsert: { createdAt: new Date(1) } },
      { upsert: true, returnDocument: 'before', includeResultMetadata: true },
    );
    expect(renewed.lastErrorObject).toEqual({ n: 1, updatedExisting: true });
    expect(renewed.value).toMatchObject({ expiresAt: 200, createdAt: new Date(0) });

    // Another worker while the lease is held: nothing matches, the upsert's insert hits _id.
    await expect(
      leases.findOneAndUpdate({ _id: 'projector', $or: [{ owner: 'w2' }, { expiresAt: { $lt: 250 } }] }, { $set: { owner: 'w2', expiresAt: 400 } }, { upsert: true }),
    ).rejects.toMatchObject({ code: 11000, codeName: 'DuplicateKey', keyValue: { _id: 'projector' } });
    expect(await leases.findOne({ _id: 'projector' })).toMatchObject({ owner: 'w1', expiresAt: 300 });
  });

  it('picks the first match in sort order; returns null without a match; remove returns the removed document', async () => {
    const jobs = db.collection('jobs');
    await jobs.insertMany([
      { _id: 1 as never, state: 'ready', priority: 1 },
      { _id: 2 as never, state: 'ready', priority: 5 },
      { _id: 3 as never, state: 'done', priority: 9 },
    ]);
    const claimed = await jobs.findOneAndUpdate({ state: 'ready' }, { $set: { state: 'taken' } }, { sort: { priority: -1 }, returnDocument: 'after', projection: { state: 1 } });
    expect(claimed).toEqual({ _id: 2, state: 'taken' });
    expect(await jobs.findOneAndUpdate({ state: 'nope' }, { $set: { x: 1 } })).toBeNull();
    expect(await jobs.findOneAndDelete({ state: 'done' })).toEqual({ _id: 3, state: 'done', priority: 9 });
    expect(await jobs.countDocuments()).toBe(2);
  });
});

describe('documents keep their BSON types', () => {
  it('stores Int32, Long, Double, Decimal128, Date, ObjectId and Binary as sent; $inc widens int32 to int64 on overflow', async () => {
    const c = db.collection('typed');
    const oid = new ObjectId();
    await c.insertOne({
      _id: 'x' as never,
      i: new Int32(2147483647),
      l: Long.fromString('9007199254740993'),
      d: new Double(2),
      dec: Decimal128.fromString('1.10'),
      at: new Date(5),
      oid,
      bin: new Binary(Buffer.from([1, 2, 3])),
      u: new UUID('0b9e2c1e-7c43-4f0e-9e62-8a3fcd2d2a11'),
    });
    await c.updateOne({ _id: 'x' as never }, { $inc: { i: 1, l: Long.fromNumber(1) } });
    // The driver decodes with its own (CommonJS) copy of bson: compare BSON type tags, not classes.
    const raw = (await c.findOne({ _id: 'x' as never }, { promoteValues: false, promoteLongs: false }))!;
    expect([raw.i._bsontype, raw.i.toString()]).toEqual(['Long', '2147483648']);
    expect([raw.l._bsontype, raw.l.toString()]).toEqual(['Long', '9007199254740994']);
    expect([raw.d._bsontype, raw.d.value]).toEqual(['Double', 2]);
    expect([raw.dec._bsontype, raw.dec.toString()]).toEqual(['Decimal128', '1.10']);
    expect(raw.at).toEqual(new Date(5));
    expect(raw.oid.equals(oid)).toBe(true);
    expect(Buffer.from(raw.bin.buffer)).toEqual(Buffer.from([1, 2, 3]));
    expect(raw.u.sub_type).toBe(4);
    const bigint = await c.findOne({ _id: 'x' as never }, { useBigInt64: true });
    expect(bigint!.l).toBe(9007199254740994n);
  });

  it('compares numbers by value across types and orders mixed types as mongod does', async () => {
    const c = db.collection('mixed');
    await c.insertMany([
      { _id: 1 as never, v: 'b' },
      { _id: 2 as never, v: Long.fromNumber(3) },
      { _id: 3 as never, v: null },
      { _id: 4 as never, v: new Double(2.5) },
      { _id: 5 as never, v: true },
      { _id: 6 as never },
      { _id: 7 as never, v: new Date(0) },
      { _id: 8 as never, v: { a: 1 } },
      { _id: 9 as never, v: 1 },
    ]);
    expect((await c.find().sort({ v: 1, _id: 1 }).toArray()).map((d) => d._id)).toEqual([3, 6, 9, 4, 2, 1, 8, 5, 7]);
    expect(
      (
        await c
          .find({ v: { $gt: 1, $lte: 3 } })
          .sort({ _id: 1 })
          .toArray()
      ).map((d) => d._id),
    ).toEqual([2, 4]);
    expect(await c.countDocuments({ v: 3 })).toBe(1);
  });

  it('matches Binary/UUID values byte for byte and refuses $type aliases the numeric view cannot answer', async () => {
    const c = db.collection('bins');
    const a = new UUID('00000000-0000-4000-8000-000000000001');
    const b = new UUID('00000000-0000-4000-8000-000000000002');
    // Two byte strings that decode to the same (replacement-character) UTF-8 text.
    const x = new Binary(Buffer.from([0xff, 0x01]));
    const y = new Binary(Buffer.from([0xfe, 0x01]));
    await c.insertMany([
      { _id: 1 as never, u: a, raw: x },
      { _id: 2 as never, u: b, raw: y },
    ]);
    expect((await c.find({ u: b }).toArray()).map((d) => d._id)).toEqual([2]);
    expect((await c.find({ raw: { $in: [y] } }).toArray()).map((d) => d._id)).toEqual([2]);
    expect(await c.countDocuments({ raw: { $type: 'string' } })).toBe(0);
    await expect(c.countDocuments({ u: { $type: 'binData' } })).rejects.toMatchObject({ code: 238 });
    await expect(c.find({ $where: 'true' }).toArray()).rejects.toMatchObject({ code: 238 });
  });
});

interface OpsDoc {
  _id: number;
  tags: string[];
  scores: number[];
  items: { k: string; q: number }[];
  n: number | Double;
  old?: string;
  gone?: number;
  renamed?: string;
  low?: number;
  deep?: { new: { field: boolean } };
}

describe('update operators', () => {
  it('applies the common operators with mongod semantics and counts modifications', async () => {
    const c = db.collection<OpsDoc>('ops');
    await c.insertOne({
      _id: 1,
      tags: ['a'],
      scores: [1, 5, 9],
      items: [
        { k: 'x', q: 1 },
        { k: 'y', q: 2 },
      ],
      n: 10,
      old: 'v',
      gone: 1,
    });
    const r = await c.updateOne(
      { _id: 1, 'items.k': 'y' },
      {
        $push: { tags: { $each: ['b', 'c'], $slice: -2 } },
        $pull: { scores: { $gte: 5 } },
        $set: { 'items.$.q': 20, 'deep.new.field': true },
        $mul: { n: 1.5 },
        $rename: { old: 'renamed' },
        $unset: { gone: '' },
        $min: { low: 3 },
      },
    );
    expect(r).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await c.findOne({ _id: 1 as never })).toEqual({
      _id: 1,
      tags: ['b', 'c'],
      scores: [1],
      items: [
        { k: 'x', q: 1 },
        { k: 'y', q: 20 },
      ],
      n: 15,
      deep: { new: { field: true } },
      low: 3,
      renamed: 'v',
    });
    await c.updateOne({ _id: 1 as never }, { $set: { 'items.$[it].q': 0 } }, { arrayFilters: [{ 'it.q': { $gt: 5 } }] });
    expect((await c.findOne({ _id: 1 as never }))!.items).toEqual([
      { k: 'x', q: 1 },
      { k: 'y', q: 0 },
    ]);
    // No-op detection is mongod's binaryEqualValues: same value and same BSON type.
    expect(await c.updateOne({ _id: 1 as never }, { $set: { n: new Double(15), renamed: 'v' } })).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    expect(await c.updateOne({ _id: 1 as never }, { $set: { n: 15 } })).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await c.updateOne({ _id: 1 as never }, { $addToSet: { tags: 'b' } })).toMatchObject({ modifiedCount: 0 });
  });

  it('refuses what mongod refuses: conflicting paths, changing _id, $inc on a string', async () => {
    const c = db.collection('bad');
    await c.insertOne({ _id: 1 as never, a: { b: 1 }, s: 'text' });
    await expect(c.updateOne({ _id: 1 as never }, { $set: { a: 1, 'a.b': 2 } })).rejects.toMatchObject({ code: 40 });
    await expect(c.updateOne({ _id: 1 as never }, { $set: { _id: 2 } })).rejects.toMatchObject({ code: 66 });
    await expect(c.updateOne({ _id: 1 as never }, { $inc: { s: 1 } })).rejects.toMatchObject({ code: 14 });
    await expect(c.updateOne({ _id: 1 as never }, { $set: { 's.x': 1 } })).rejects.toMatchObject({ code: 28 });
    await expect(c.replaceOne({ _id: 1 as never }, { _id: 3, a: 1 })).rejects.toMatchObject({ code: 66 });
  });

  it('upserts seed the new document from the filter equalities; replacements keep the filter _id', async () => {
    const c = db.collection('ups');
    const r = await c.updateOne({ tenant: 't1', 'meta.kind': { $eq: 'k' }, n: { $gt: 5 } }, { $inc: { count: 1 } }, { upsert: true });
    expect(r.upsertedCount).toBe(1);
    expect(await c.findOne({ _id: r.upsertedId! })).toEqual({ _id: r.upsertedId, tenant: 't1', meta: { kind: 'k' }, count: 1 });
    await c.replaceOne({ _id: 'fixed' as never }, { v: 1 }, { upsert: true });
    expect(await c.findOne({ _id: 'fixed' as never })).toEqual({ _id: 'fixed', v: 1 });
  });
});

describe('many clients at once', () => {
  it('runs each command atomically across connections: concurrent upserts of one _id insert it once', async () => {
    const others = await Promise.all([0, 1, 2].map(() => MongoClient.connect(double.url, { maxPoolSize: 5 })));
    try {
      const name = db.databaseName;
      await Promise.all(
        others.flatMap((cl, k) =>
          Array.from({ length: 20 }, (_, i) =>
            cl
              .db(name)
              .collection<{ _id: string; n: number; by: string[] }>('counters')
              .updateOne({ _id: 'hits' }, { $inc: { n: 1 }, $push: { by: `${k}:${i}` } }, { upsert: true }),
          ),
        ),
      );
      const doc = await db.collection('counters').findOne({ _id: 'hits' as never });
      expect(doc!.n).toBe(60);
      expect(doc!.by).toHaveLength(60);
    } finally {
      await Promise.all(others.map((c) => c.close()));
    }
  });
});

describe('aggregate, counts and the catalog', () => {
  it('countDocuments (a $match/$skip/$limit/$group pipeline), $group via mingo, distinct', async () => {
    const c = db.collection('sales');
    await c.insertMany([
      { region: 'n', amount: 5 },
      { region: 's', amount: 7 },
      { region: 'n', amount: 1 },
    ]);
    expect(await c.countDocuments({ region: 'n' })).toBe(2);
    expect(await c.countDocuments({}, { skip: 1, limit: 1 })).toBe(1);
    expect(await c.countDocuments({ region: 'w' })).toBe(0);
    const totals = await c.aggregate([{ $group: { _id: '$region', total: { $sum: '$amount' } } }, { $sort: { _id: 1 } }]).toArray();
    expect(totals).toEqual([
      { _id: 'n', total: 6 },
      { _id: 's', total: 7 },
    ]);
    expect((await c.distinct('region')).sort()).toEqual(['n', 's']);
    await db.collection('regions').insertMany([
      { _id: 'n' as never, name: 'North' },
      { _id: 's' as never, name: 'South' },
    ]);
    const joined = await c
      .aggregate([{ $match: { amount: 7 } }, { $lookup: { from: 'regions', localField: 'region', foreignField: '_id', as: 'r' } }, { $project: { _id: 0, name: { $first: '$r.name' } } }])
      .toArray();
    expect(joined).toEqual([{ name: 'South' }]);
  });

  it('lists, drops and re-creates collections, indexes and databases', async () => {
    await db.collection('one').insertOne({ a: 1 });
    await db.createCollection('two');
    await expect(db.createCollection('two', { capped: true, size: 1000 })).rejects.toMatchObject({ code: 238 });
    expect((await db.listCollections({}, { nameOnly: true }).toArray()).map((x) => x.name).sort()).toEqual(['one', 'two']);
    const info = await db.listCollections({ name: 'one' }).toArray();
    expect(info[0]).toMatchObject({ name: 'one', type: 'collection', idIndex: { name: '_id_' } });
    await db.collection('one').createIndexes([{ key: { a: 1, b: -1 } }, { key: { c: 1 }, name: 'by_c', unique: true }]);
    expect(await db.collection('one').listIndexes().toArray()).toEqual([
      { v: 2, key: { _id: 1 }, name: '_id_' },
      { v: 2, key: { a: 1, b: -1 }, name: 'a_1_b_-1' },
      { v: 2, key: { c: 1 }, name: 'by_c', unique: true },
    ]);
    await db.collection('one').dropIndex('by_c');
    await expect(db.collection('one').dropIndex('by_c')).rejects.toMatchObject({ code: 27, codeName: 'IndexNotFound' });
    expect(await db.collection('two').drop()).toBe(true);
    expect(await db.collection('never').drop()).toBe(true);
    expect((await client.db('admin').admin().listDatabases({ nameOnly: true })).databases.map((d) => d.name)).toContain(db.databaseName);
    expect(await db.dropDatabase()).toBe(true);
    expect(await db.listCollections().toArray()).toEqual([]);
  });
});

describe('what the double refuses to fake', () => {
  it('transactions fail as not implemented instead of silently committing each statement', async () => {
    const session = client.startSession();
    try {
      await expect(session.withTransaction(async () => db.collection('tx').insertOne({ a: 1 }, { session }))).rejects.toMatchObject({ code: 238 });
    } finally {
      await session.endSession();
    }
    expect(await db.collection('tx').countDocuments()).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Below the driver: a raw socket, for what the driver never lets a test do on purpose.

class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiting: ((m: Buffer) => void) | null = null;
  private requestId = 1;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.deliver();
    });
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  private deliver() {
    if (!this.waiting || this.buffer.length < 4) return;
    const length = this.buffer.readInt32LE(0);
    if (this.buffer.length < length) return;
    const message = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    const w = this.waiting;
    this.waiting = null;
    w(message);
  }

  private next(timeoutMs = 2000): Promise<Buffer | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        resolve(null);
      }, timeoutMs);
      this.waiting = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.deliver();
    });
  }

  /** OP_MSG with one body section; resolves to the reply document, or null when none comes. */
  async command(doc: Document, flags = 0, timeoutMs?: number): Promise<Document | null> {
    const body = BSON.serialize(doc);
    const header = Buffer.alloc(21);
    header.writeInt32LE(21 + body.length, 0);
    header.writeInt32LE(this.requestId++, 4);
    header.writeInt32LE(2013, 12);
    header.writeUInt32LE(flags, 16);
    this.socket.write(Buffer.concat([header, body]));
    const reply = await this.next(timeoutMs);
    return reply && BSON.deserialize(reply.subarray(21));
  }

  /** OP_QUERY on `<db>.$cmd`: answered with OP_REPLY, whose document starts at byte 36. */
  async legacyCommand(db: string, doc: Document): Promise<{ opCode: number; doc: Document }> {
    const ns = Buffer.from(`${db}.$cmd\0`);
    const body = BSON.serialize(doc);
    const fixed = Buffer.alloc(20);
    const tail = Buffer.alloc(8);
    tail.writeInt32LE(-1, 4);
    const length = 20 + ns.length + 8 + body.length;
    fixed.writeInt32LE(length, 0);
    fixed.writeInt32LE(this.requestId++, 4);
    fixed.writeInt32LE(2004, 12);
    this.socket.write(Buffer.concat([fixed, ns, tail, body]));
    const reply = (await this.next())!;
    return { opCode: reply.readInt32LE(12), doc: BSON.deserialize(reply.subarray(36)) };
  }

  close() {
    this.socket.destroy();
  }
}

describe('wire protocol below the driver', () => {
  let raw: RawConnection;
  beforeEach(async () => {
    raw = await RawConnection.open(double.port);
  });
  afterAll(() => raw?.close());

  it('answers a legacy OP_QUERY hello with OP_REPLY and refuses any other OP_QUERY command', async () => {
    const hello = await raw.legacyCommand('admin', { isMaster: 1, helloOk: true });
    expect(hello.opCode).toBe(1);
    expect(hello.doc).toMatchObject({ ok: 1, ismaster: true, helloOk: true });
    const find = await raw.legacyCommand('admin', { find: 'x' });
    expect(find.doc).toMatchObject({ ok: 0, code: 352, codeName: 'UnsupportedOpQueryCommand' });
    raw.close();
  });

  it('sends no reply to a moreToCome request, and the next reply answers the next request', async () => {
    const dbName = db.databaseName;
    expect(await raw.command({ insert: 'quiet', documents: [{ _id: 1 }], $db: dbName, writeConcern: { w: 0 } }, 2, 300)).toBeNull();
    expect(await raw.command({ count: 'quiet', $db: dbName })).toMatchObject({ n: 1, ok: 1 });
    raw.close();
  });

  it('a retried write (same lsid and txnNumber) is answered from the record, not applied twice', async () => {
    const lsid = { id: new UUID() };
    const insert = { insert: 'retried', documents: [{ _id: 1, v: 'once' }], lsid, txnNumber: Long.fromNumber(1), $db: db.databaseName };
    const first = await raw.command(insert);
    const retry = await raw.command(insert);
    expect(first).toEqual({ n: 1, ok: 1 });
    expect(retry).toEqual(first);
    const inc = { update: 'retried', updates: [{ q: { _id: 1 }, u: { $inc: { n: 1 } } }], lsid, txnNumber: Long.fromNumber(2), $db: db.databaseName };
    await raw.command(inc);
    await raw.command(inc);
    expect(await db.collection('retried').findOne({ _id: 1 as never })).toEqual({ _id: 1, v: 'once', n: 1 });
    expect(await raw.command({ ...insert, txnNumber: Long.fromNumber(1) })).toMatchObject({ ok: 0, code: 225, codeName: 'TransactionTooOld' });
    raw.close();
  });
});
