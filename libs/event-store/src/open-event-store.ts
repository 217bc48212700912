import { databaseFile, type DatabaseFileOptions } from '@partner-ledger/config';
import type { EventStore } from './event-store.port.js';
import type { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store.js';
import type { EventStoreMigrationLogger } from './sqlite/schema.js';
import { SqliteEventStore } from './sqlite/sqlite-event-store.js';

export interface EventStoreConfig {
  dataDir: string;
  /** EVENT_STORE_URL: an EventStoreDB; unset → DATA_DIR's SQLite file. */
  eventStoreUrl?: string;
}

/**
 * The EventStoreDB adapter on `url`. Its gRPC client is loaded here, on first use, so that a
 * process on the embedded store never pays for loading it.
 */
export async function connectEventStoreDb(url: string): Promise<EventStoreDbEventStore> {
  const { EventStoreDbEventStore } = await import('./eventstoredb/eventstoredb-event-store.js');
  return EventStoreDbEventStore.connect(url);
}

/**
 * The event store the configuration selects: EventStoreDB with EVENT_STORE_URL, else the SQLite
 * file (`logger` hears of a one-time upgrade of an older file).
 */
export async function openEventStore(config: EventStoreConfig, options: DatabaseFileOptions = {}, logger?: EventStoreMigrationLogger): Promise<EventStore> {
  if (config.eventStoreUrl) return connectEventStoreDb(config.eventStoreUrl);
  return SqliteEventStore.open(databaseFile(config.dataDir, options), { logger });
}
