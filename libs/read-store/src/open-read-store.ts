import { type DatabaseFileOptions, stateFile } from '@partner-ledger/config';
import type { MongoReadStore } from './mongodb/mongodb-read-store.js';
import type { ReadStore } from './read-store.port.js';
import { SqliteReadStore } from './sqlite/sqlite-read-store.js';

export interface ReadStoreConfig {
  dataDir: string;
  /** MONGO_URL: a MongoDB; unset → DATA_DIR's SQLite state file, beside the events' file. */
  mongoUrl?: string;
}

/** The MongoDB adapter on `url`; the driver is loaded here, on first use. */
export async function connectMongoReadStore(url: string, options: { dbName?: string } = {}): Promise<MongoReadStore> {
  const { MongoReadStore } = await import('./mongodb/mongodb-read-store.js');
  return MongoReadStore.connect(url, options);
}

/** Read models in DATA_DIR's SQLite state file (config's database-file.ts), unless MONGO_URL names a MongoDB. */
export async function openReadStore(config: ReadStoreConfig, options: DatabaseFileOptions = {}): Promise<ReadStore> {
  if (config.mongoUrl) return connectMongoReadStore(config.mongoUrl);
  return SqliteReadStore.open(stateFile(config.dataDir, options));
}
