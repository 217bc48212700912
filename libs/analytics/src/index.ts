export * from './history.js';
export * from './export-events.js';
export * from './simulate.js';
export * from './partner-report.js';
export * from './simulate-report.js';
