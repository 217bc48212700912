export * from './engine.js';
export * from './run.js';
