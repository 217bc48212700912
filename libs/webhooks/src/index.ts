export * from './topics.js';
export * from './publisher-view.js';
export * from './signing.js';
export * from './ssrf.js';
export * from './retry-after.js';
