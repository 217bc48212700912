export * from './fenced.js';
export * from './lease.module.js';
export * from './lease.port.js';
// Types only: the MongoDB driver loads through connectMongoLeaseStore / openLeaseStore.
export type { MongoLeaseStore } from './mongodb-lease.js';
export * from './open-lease-store.js';
export * from './single-active.js';
export * from './sqlite-lease.js';
