export * from './allowed-cidrs.js';
export * from './config.js';
export * from './database-file.js';
export * from './durations.js';
export * from './thread-signal.js';
export * from './wal-checkpointer.js';
export * from './write-lock.js';
