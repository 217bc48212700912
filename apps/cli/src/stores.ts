import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore } from '@partner-ledger/event-store';
import { SqliteEventStore } from '@partner-ledger/event-store';
import type { ReadStore } from '@partner-ledger/read-store';
import { SqliteReadStore } from '@partner-ledger/read-store';
import { UsageError } from './errors.js';

/** The engine's file in DATA_DIR (DATABASE_FILE of libs/roles; a test keeps the two equal). */
export const DATABASE_FILE = 'partner-ledger.db';

export interface GlobalOptions {
  dataDir: string;
  eventStoreUrl?: string;
  mongoUrl?: string;
}

export interface Stores {
  events: EventStore;
  /** Opened on first use: SQLite in DATA_DIR's file, or MongoDB when a Mongo URL is given. */
  readStore(): Promise<ReadStore>;
  close(): Promise<void>;
}

/**
 * The adapters the engine would use for the same settings: events in DATA_DIR's SQLite file unless
 * an EventStoreDB URL is given, read models in the same file unless a MongoDB URL is given. The
 * SQLite file must exist already: an analyst pointing at the wrong directory gets an error, not a
 * new empty database. The EventStoreDB and MongoDB clients are loaded only when asked for (they
 * double the start-up time of every command otherwise).
 */
export async function openStores(options: GlobalOptions): Promise<Stores> {
  let db: Database.Database | null = null;
  const file = join(options.dataDir, DATABASE_FILE);
  const sqlite = () => {
    if (db) return db;
    if (!existsSync(file)) throw new UsageError(`no database at ${file} (set --data-dir or DATA_DIR to the engine's data directory)`);
    db = new Database(file, { fileMustExist: true });
    return db;
  };
  const events: EventStore = options.eventStoreUrl
    ? (await import('@partner-ledger/event-store')).EventStoreDbEventStore.connect(options.eventStoreUrl)
    : SqliteEventStore.onDatabase(sqlite());
  let readStore: ReadStore | null = null;
  return {
    events,
    async readStore() {
      if (!readStore) {
        readStore = options.mongoUrl
          ? await (await import('@partner-ledger/read-store')).MongoReadStore.connect(options.mongoUrl)
          : SqliteReadStore.onDatabase(sqlite());
      }
      return readStore;
    },
    async close() {
      await readStore?.close();
      await events.close();
      (db as Database.Database | null)?.close();
    },
  };
}
