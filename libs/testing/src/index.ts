export * from './engine.fixture.js';
export * from './eventstoredb-double/index.js';
export * from './http-helpers.js';
export * from './mongodb-double/index.js';
export * from './rabbitmq.js';
export * from './random-history.js';
export * from './random.js';
export * from './sample-shape.js';
