export * from './batches.js';
export * from './dry-run-event-store.js';
export * from './event-store.module.js';
export * from './event-id.js';
export * from './event-store.port.js';
// Types only: the EventStoreDB client loads through connectEventStoreDb / openEventStore.
export type { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store.js';
export * from './open-event-store.js';
export * from './expected-revision.js';
export * from './sqlite/schema.js';
export * from './sqlite/sqlite-event-store.js';
export * from './sqlite/statement-cache.js';
