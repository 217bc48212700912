export * from './mongodb/mongodb-read-store.js';
export * from './read-store.port.js';
export * from './sqlite/sqlite-read-store.js';
