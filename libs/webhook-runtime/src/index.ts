export * from './delivery/delivery-log.js';
export * from './delivery/delivery-worker.js';
export * from './delivery/publisher.js';
export * from './endpoints/endpoint-repository.js';
export * from './endpoints/secrets.js';
export * from './incoming/incoming-webhook-repository.js';
export * from './ssrf.js';
