export * from './start-early.js';
export * from './thread-name.js';
export * from './webhook-threads.js';
