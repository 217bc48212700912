/** The shapes of the outgoing-webhook answers the console and the webhook portal read (docs/http-api.md). */
export interface WebhookEndpoint {
  id: string;
  url: string;
  topics: string[];
  enabled: boolean;
  description: string | null;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Creation and rotation answer the signing secret, this once. */
export interface EndpointWithSecret extends WebhookEndpoint {
  secret: string;
  previousSecretsExpireAt?: string | null;
}

export interface Attempt {
  at: string;
  attempt: number;
  status: number | null;
  latencyMs: number;
  response: string;
  error: string | null;
}

export interface Delivery {
  id: string;
  endpointId: string;
  eventId: string;
  webhookId: string;
  topic: string;
  partnerId: string | null;
  /** pending, delivered, dead; `event` for a note the delivery workers log (a circuit opened or closed). */
  status: string;
  attempts: Attempt[];
  createdAt: string;
  updatedAt: string;
}

export interface ReplayJob {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  endpointId: string;
  from: string | null;
  to: string | null;
  topics: string[];
  progress: { eventsScanned: number; lastPosition: string | null; headPosition: string | null; messagesQueued: number };
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

export interface TopicEntry {
  topic: string;
  description: string;
}

/** `GET /v1/portal/webhook-endpoint`: the endpoint of a consumer portal link. */
export interface WebhookPortalView {
  program: { id: string; name: string };
  endpoint: WebhookEndpoint;
  subscribedTopics: string[];
  expiresAt: string;
}
