export * from './api-role.module.js';
export * from './auto-approval.js';
export * from './composition.js';
export * from './delivery-worker.module.js';
export * from './engine.module.js';
export * from './projector.module.js';
export * from './publisher.module.js';
export * from './start-app.js';
