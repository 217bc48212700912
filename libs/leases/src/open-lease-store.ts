import { stateFile } from '@partner-ledger/config';
import type { LeaseStore } from './lease.port.js';
import type { MongoLeaseStore } from './mongodb-lease.js';
import { SqliteLeaseStore } from './sqlite-lease.js';

export interface LeaseStoreConfig {
  dataDir: string;
  /** MONGO_URL: leases beside the read models in MongoDB; unset → the SQLite state file. */
  mongoUrl?: string;
}

/** Leases in MongoDB; the driver is loaded here, on first use. */
export async function connectMongoLeaseStore(url: string, options: { dbName?: string } = {}): Promise<MongoLeaseStore> {
  const { MongoLeaseStore } = await import('./mongodb-lease.js');
  return MongoLeaseStore.connect(url, options);
}

/** Leases beside the read models: MongoDB with MONGO_URL, else the SQLite state file. */
export async function openLeaseStore(config: LeaseStoreConfig): Promise<LeaseStore> {
  if (config.mongoUrl) return connectMongoLeaseStore(config.mongoUrl);
  return SqliteLeaseStore.open(stateFile(config.dataDir));
}
