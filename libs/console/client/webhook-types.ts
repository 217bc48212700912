import type { components } from './api-types.js';

/** The outgoing-webhook answers the console and the webhook portal read: the document's schemas (see types.ts). */
type Schema<N extends keyof components['schemas']> = components['schemas'][N];

export type WebhookEndpoint = Schema<'WebhookEndpointDto'>;
export type Attempt = Schema<'AttemptDto'>;
export type Delivery = Schema<'DeliveryDto'>;
export type ReplayJob = Schema<'ReplayJobDto'>;
