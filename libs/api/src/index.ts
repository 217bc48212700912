export * from './api.module.js';
export * from './auth/api-keys.js';
export * from './webhook-endpoints/webhook-endpoints.controller.js';
export * from './auto-approval/auto-approver.js';
export { resolvePortalSecret, DEFAULT_PORTAL_LINK_SECONDS, MAX_PORTAL_LINK_SECONDS } from './portal/portal-links.js';
