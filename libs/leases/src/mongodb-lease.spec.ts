import { MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { startMongoDbDouble } from '@partner-ledger/testing';
import { leaseStoreContract } from './contract/lease.contract.js';
import { MongoLeaseStore } from './mongodb-lease.js';

const MONGO_URL = process.env.MONGO_URL?.trim() || undefined;

/**
 * The lease contract on MongoDB: on the server MONGO_URL names (a fresh database, dropped
 * afterwards), else on the wire-protocol test double (libs/testing/src/mongodb-double), through the
 * official driver over real sockets either way. Two clients, as two processes would have.
 */
leaseStoreContract(MONGO_URL ? 'mongodb' : 'mongodb (protocol test double)', async () => {
  const double = MONGO_URL ? null : await startMongoDbDouble();
  const dbName = `pl_lease_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const url = MONGO_URL ?? double!.url;
  const a = await MongoLeaseStore.connect(url, { dbName });
  const b = await MongoLeaseStore.connect(url, { dbName });
  return {
    a,
    b,
    cleanup: async () => {
      try {
        await a.close();
        await b.close();
        if (MONGO_URL) {
          const client = await MongoClient.connect(MONGO_URL);
          await client
            .db(dbName)
            .dropDatabase()
            .finally(() => client.close());
        }
      } finally {
        await double?.close();
      }
    },
  };
});
