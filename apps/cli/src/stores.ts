import { MissingDatabaseError } from '@partner-ledger/config';
import { type EventStore, type EventStoreMigrationLogger, openEventStore } from '@partner-ledger/event-store';
import { openReadStore, type ReadStore } from '@partner-ledger/read-store';
import { UsageError } from './errors.js';

export { DATABASE_FILE } from '@partner-ledger/config';

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

/** The engine's file must exist already: an analyst pointing at the wrong directory gets an error, not a new empty database. */
const MUST_EXIST = { mustExist: true };

async function opening<T>(open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    if (error instanceof MissingDatabaseError) throw new UsageError(`no database at ${error.file} (set --data-dir or DATA_DIR to the engine's data directory)`);
    throw error;
  }
}

/**
 * The adapters the engine would use for the same settings, opened the way the engine opens them
 * (openEventStore, openReadStore): events in DATA_DIR's SQLite file unless an EventStoreDB URL is
 * given, read models in the same file unless a MongoDB URL is given. The EventStoreDB and MongoDB
 * clients are loaded only when asked for (they double the start-up time of every command otherwise).
 * `logger` hears of a one-time upgrade of an older SQLite file.
 */
export async function openStores(options: GlobalOptions, logger?: EventStoreMigrationLogger): Promise<Stores> {
  const events = await opening(() => openEventStore(options, MUST_EXIST, logger));
  let readStore: Promise<ReadStore> | null = null;
  return {
    events,
    readStore() {
      readStore ??= opening(() => openReadStore(options, MUST_EXIST));
      return readStore;
    },
    async close() {
      await (await readStore?.catch(() => null))?.close();
      await events.close();
    },
  };
}
