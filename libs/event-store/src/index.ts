export * from './batches.js';
export * from './dry-run-event-store.js';
export * from './event-store.port.js';
export * from './expected-revision.js';
export * from './eventstoredb/eventstoredb-event-store.js';
export * from './sqlite/schema.js';
export * from './sqlite/sqlite-event-store.js';
export * from './sqlite/statement-cache.js';
