export * from './mongodb/db-name.js';
// Types only: the MongoDB driver loads through connectMongoReadStore / openReadStore.
export type { MongoReadStore } from './mongodb/mongodb-read-store.js';
export * from './open-read-store.js';
export * from './read-store.module.js';
export * from './read-store.port.js';
export * from './sqlite/sqlite-read-store.js';
