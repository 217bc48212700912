export * from './start-early.js';
export * from './webhook-threads.js';
