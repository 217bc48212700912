export * from './api.module.js';
export * from './auth/api-keys.js';
export * from './webhook-endpoints/webhook-endpoints.controller.js';
export * from './auto-approval/auto-approver.js';
