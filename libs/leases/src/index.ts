export * from './fenced.js';
export * from './lease.port.js';
export * from './mongodb-lease.js';
export * from './single-active.js';
export * from './sqlite-lease.js';
