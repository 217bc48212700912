import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { MongoBulkWriteError, MongoClient, MongoNetworkError, MongoServerError, type BulkWriteResult, type WriteError } from 'mongodb';
import { startMongoDbDouble, type MongoDbDouble } from '@partner-ledger/testing';
import { readStoreContract, type ReadStoreFixture } from '../contract/read-store.contract.js';
import { DURABLE } from '../read-store.port.js';
import { dbNameFromUrl } from './db-name.js';
import { alreadyAppliedIndexes, foldWrites, guardedUpserts, indexKeyOf, MongoReadStore, toMongoFind } from './mongodb-read-store.js';

const MONGO_URL = process.env.MONGO_URL;

async function fixture(url: string): Promise<ReadStoreFixture> {
  const dbName = `pl_contract_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const store = await MongoReadStore.connect(url, { dbName });
  return {
    store,
    cleanup: async () => {
      await store.close();
      const client = await MongoClient.connect(url);
      try {
        await client.db(dbName).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}

if (MONGO_URL) {
  readStoreContract('mongodb', () => fixture(MONGO_URL));
} else {
  // No mongod on this machine: the same contract runs against the real adapter and driver, over
  // TCP, talking to the wire-protocol test double (libs/testing/src/mongodb-double/README.md).
  let double: MongoDbDouble | undefined;
  afterAll(async () => double?.close());
  readStoreContract('mongodb (wire-protocol TEST DOUBLE, not a real MongoDB; set MONGO_URL for one)', async () => {
    double ??= await startMongoDbDouble();
    return fixture(double.url);
  });
}

describe('MongoReadStore.ensureIndex', () => {
  it('creates the compound index on the collection (once, however often it is declared)', async () => {
    const double = MONGO_URL ? undefined : await startMongoDbDouble();
    const f = await fixture(MONGO_URL ?? double!.url);
    try {
      const index = {
        name: 'by_status',
        fields: [
          { field: 'endpointId', direction: 'asc' as const },
          { field: 'status', direction: 'asc' as const },
          { field: 'createdAt', direction: 'desc' as const },
        ],
      };
      await f.store.ensureIndex('config', 'webhook_deliveries', index);
      await f.store.ensureIndex('config', 'webhook_deliveries', index);
      const dbName = (f.store as unknown as { db: { databaseName: string } }).db.databaseName;
      const client = await MongoClient.connect(MONGO_URL ?? double!.url);
      try {
        const indexes = await client.db(dbName).collection('config.webhook_deliveries').listIndexes().toArray();
        expect(indexes.map((i) => [i.name, i.key])).toEqual([
          ['_id_', { _id: 1 }],
          ['by_status', { endpointId: 1, status: 1, createdAt: -1, _id: 1 }],
        ]);
      } finally {
        await client.close();
      }
    } finally {
      await f.cleanup();
      await double?.close();
    }
  });
});

describe('MongoReadStore durable writes', () => {
  it('sends a durable put or delete with writeConcern j: true, and every other write with the deployment default', async () => {
    const double = MONGO_URL ? undefined : await startMongoDbDouble();
    const url = MONGO_URL ?? double!.url;
    const dbName = `pl_durable_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    // The driver's own command monitoring (a connection-string option): what went over the wire for each write.
    const store = await MongoReadStore.connect(`${url}${url.includes('?') ? '&' : '?'}monitorCommands=true`, { dbName });
    const client = (store as unknown as { client: MongoClient }).client;
    const sent: { command: string; writeConcern: unknown }[] = [];
    client.on('commandStarted', (e) => {
      if (e.commandName === 'update' || e.commandName === 'delete') sent.push({ command: e.commandName, writeConcern: e.command.writeConcern });
    });
    try {
      await store.put('config', 'endpoints', { _id: 'e1', pos: 0 }, DURABLE);
      await store.put('config', 'deliveries', { _id: 'd1', pos: 0 });
      await store.delete('config', 'deliveries', 'd1');
      await store.delete('config', 'endpoints', 'e1', DURABLE);
      expect(sent).toEqual([
        { command: 'update', writeConcern: { j: true } },
        { command: 'update', writeConcern: undefined },
        { command: 'delete', writeConcern: undefined },
        { command: 'delete', writeConcern: { j: true } },
      ]);
    } finally {
      await store.close();
      const cleanup = await MongoClient.connect(url);
      await cleanup.db(dbName).dropDatabase();
      await cleanup.close();
      await double?.close();
    }
  });
});

describe('MongoReadStore helpers', () => {
  it('indexKeyOf: the fields in their directions, then _id ascending (the tie-breaker of every sort)', () => {
    expect(
      indexKeyOf({
        name: 'i',
        fields: [
          { field: 'endpointId', direction: 'asc' },
          { field: 'createdAt', direction: 'desc' },
        ],
      }),
    ).toEqual({ endpointId: 1, createdAt: -1, _id: 1 });
    expect(
      Object.keys(
        indexKeyOf({
          name: 'i',
          fields: [
            { field: 'b', direction: 'asc' },
            { field: 'a', direction: 'asc' },
          ],
        }),
      ),
    ).toEqual(['b', 'a', '_id']);
  });

  describe('toMongoFind', () => {
    it('translates equality (null matches null and missing), dotted paths and the _id tie-breaker', () => {
      expect(toMongoFind({ where: { programId: 'x', flag: false, 'nested.k': 'v', deletedAt: null }, orderBy: [{ field: 'amount', direction: 'desc' }], limit: 10 })).toEqual({
        filter: { $and: [{ programId: { $eq: 'x' } }, { flag: { $eq: false } }, { 'nested.k': { $eq: 'v' } }, { deletedAt: { $eq: null } }] },
        sort: { amount: -1, _id: 1 },
        limit: 10,
      });
      expect(toMongoFind({ orderBy: [], limit: 5 })).toEqual({ filter: {}, sort: { _id: 1 }, limit: 5 });
      expect(toMongoFind({ orderBy: [{ field: '_id', direction: 'desc' }], limit: 5 }).sort).toEqual({ _id: -1 });
    });

    it('keeps range values as they are (ISO strings stay strings) and a null bound matches nothing, as in SQL', () => {
      expect(toMongoFind({ range: { field: 'at', gte: '2026-01-02T00:00:00.000Z', lt: '2026-01-04T00:00:00.000Z' }, orderBy: [], limit: 10 }).filter).toEqual({
        at: { $gte: '2026-01-02T00:00:00.000Z', $lt: '2026-01-04T00:00:00.000Z' },
      });
      expect(toMongoFind({ range: { field: 'amount', gte: 100 }, orderBy: [], limit: 10 }).filter).toEqual({ amount: { $gte: 100 } });
      expect(toMongoFind({ range: { field: 'amount', lt: null }, orderBy: [], limit: 10 }).filter).toEqual({ _id: { $in: [] } });
    });

    it('turns a keyset cursor into the lexicographic $or of the sort keys, in both directions', () => {
      expect(toMongoFind({ orderBy: [{ field: 'amount', direction: 'asc' }], after: [500, 'p1'], limit: 2 }).filter).toEqual({
        $or: [{ amount: { $gt: 500 } }, { $and: [{ amount: { $eq: 500 } }, { _id: { $gt: 'p1' } }] }],
      });
      expect(toMongoFind({ where: { status: 'ACTIVE' }, orderBy: [{ field: 'amount', direction: 'desc' }], after: [500, 'p1'], limit: 2 }).filter).toEqual({
        $and: [{ status: { $eq: 'ACTIVE' } }, { $or: [{ $or: [{ amount: { $lt: 500 } }, { amount: { $eq: null } }] }, { $and: [{ amount: { $eq: 500 } }, { _id: { $gt: 'p1' } }] }] }],
      });
    });

    it('pages past null sort values (null sorts first) and ignores keys missing from a short cursor', () => {
      expect(toMongoFind({ orderBy: [{ field: 'paidAt', direction: 'asc' }], after: [null, 'p1'], limit: 2 }).filter).toEqual({
        $or: [{ paidAt: { $ne: null } }, { $and: [{ paidAt: { $eq: null } }, { _id: { $gt: 'p1' } }] }],
      });
      expect(toMongoFind({ orderBy: [{ field: 'paidAt', direction: 'desc' }], after: [null, 'p1'], limit: 2 }).filter).toEqual({
        $and: [{ paidAt: { $eq: null } }, { _id: { $gt: 'p1' } }],
      });
      expect(toMongoFind({ orderBy: [{ field: 'amount', direction: 'asc' }], after: [500], limit: 2 }).filter).toEqual({ amount: { $gt: 500 } });
      // Descending, the nulls come last: past a value they are still ahead.
      expect(toMongoFind({ orderBy: [{ field: 'paidAt', direction: 'desc' }], after: ['2026-01-01', 'p1'], limit: 2 }).filter).toEqual({
        $or: [{ $or: [{ paidAt: { $lt: '2026-01-01' } }, { paidAt: { $eq: null } }] }, { $and: [{ paidAt: { $eq: '2026-01-01' } }, { _id: { $gt: 'p1' } }] }],
      });
    });

    it('rejects field paths that are not plain names (no operator injection) and maps limits like SQL LIMIT', () => {
      expect(() => toMongoFind({ where: { $where: 'x' }, orderBy: [], limit: 1 })).toThrow(/invalid field path/);
      expect(() => toMongoFind({ orderBy: [{ field: 'a.$b', direction: 'asc' }], limit: 1 })).toThrow(/invalid field path/);
      expect(toMongoFind({ orderBy: [], limit: 0 }).limit).toBe(0);
      expect(toMongoFind({ orderBy: [], limit: -1 }).limit).toBeUndefined();
    });
  });

  describe('alreadyAppliedIndexes', () => {
    const result = (writeConcernError?: unknown) => ({ getWriteConcernError: () => writeConcernError }) as unknown as BulkWriteResult;
    const bulkError = (codes: number[], writeConcernError?: unknown) => {
      // Shaped like the driver's WriteError (a type-only export): code, index, errmsg.
      const writeErrors = codes.map((code, i) => ({ code, index: i * 2 + 1, errmsg: code === 11000 ? 'E11000 duplicate key error index: _id_' : 'boom' })) as unknown as WriteError[];
      return new MongoBulkWriteError({ message: 'bulk failed', code: codes[0], writeErrors }, result(writeConcernError));
    };

    it('returns the op indexes when every write error is a duplicate key (already applied)', () => {
      expect(alreadyAppliedIndexes(bulkError([11000, 11000]))).toEqual([1, 3]);
    });

    it('is null for anything else: another write error, a write concern error, a non-bulk error', () => {
      expect(alreadyAppliedIndexes(bulkError([11000, 121]))).toBeNull();
      expect(alreadyAppliedIndexes(bulkError([11000], { code: 64, errmsg: 'waiting for replication timed out' }))).toBeNull();
      expect(alreadyAppliedIndexes(bulkError([]))).toBeNull();
      expect(alreadyAppliedIndexes(new MongoServerError({ message: 'E11000', code: 11000 }))).toBeNull();
      expect(alreadyAppliedIndexes(new MongoNetworkError('connection reset'))).toBeNull();
      expect(alreadyAppliedIndexes(new Error('x'))).toBeNull();
      expect(alreadyAppliedIndexes(undefined)).toBeNull();
    });
  });

  describe('foldWrites and guardedUpserts', () => {
    it('keeps the last write per _id and collection, as JSON, and guards each upsert by pos', () => {
      const folded = foldWrites([
        { collection: 'a', doc: { _id: 'x', pos: 1, v: 1 } },
        { collection: 'b', doc: { _id: 'x', pos: 2, v: 2 } },
        { collection: 'a', doc: { _id: 'y', pos: 3, at: new Date('2026-01-01T00:00:00.000Z'), gone: undefined } },
        { collection: 'a', doc: { _id: 'x', pos: 4, v: 4 } },
      ]);
      expect(folded).toEqual(
        new Map([
          [
            'a',
            [
              { _id: 'y', pos: 3, at: '2026-01-01T00:00:00.000Z' },
              { _id: 'x', pos: 4, v: 4 },
            ],
          ],
          ['b', [{ _id: 'x', pos: 2, v: 2 }]],
        ]),
      );
      expect(guardedUpserts(folded.get('b')!)).toEqual([{ replaceOne: { filter: { _id: 'x', pos: { $lt: 2 } }, replacement: { _id: 'x', pos: 2, v: 2 }, upsert: true } }]);
    });

    it('refuses documents without a numeric pos and reserved collection names', () => {
      expect(() => foldWrites([{ collection: 'a', doc: { _id: 'x', pos: Number.NaN } }])).toThrow(/pos/);
      expect(() => foldWrites([{ collection: '_checkpoints', doc: { _id: 'x', pos: 1 } }])).toThrow(/collection/);
    });
  });

  it('dbNameFromUrl takes the URL path, else partner_ledger', () => {
    expect(dbNameFromUrl('mongodb://localhost:27017')).toBe('partner_ledger');
    expect(dbNameFromUrl('mongodb://localhost:27017/')).toBe('partner_ledger');
    expect(dbNameFromUrl('mongodb://localhost:27017/?replicaSet=rs0')).toBe('partner_ledger');
    expect(dbNameFromUrl('mongodb://u:p%40ss@h1:1,h2:2/ledger?replicaSet=rs0')).toBe('ledger');
    expect(dbNameFromUrl('mongodb+srv://cluster.example.net/my%2Ddb')).toBe('my-db');
  });
});
