export * from './topics.js';
export * from './publisher-view.js';
export * from './signing.js';
export * from './retry-after.js';
export * from './incoming/actions.js';
export * from './incoming/json-paths.js';
export * from './incoming/mapping.js';
export * from './incoming/tokens.js';
