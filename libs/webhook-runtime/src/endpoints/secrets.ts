import type { EndpointSecret, WebhookEndpoint } from './endpoint-repository.js';

/**
 * Secrets that still sign at `now`, newest first: the current one and any rotated one inside its
 * overlap window. The delivery worker signs with these and a rotation keeps these.
 */
export function activeSecrets(endpoint: WebhookEndpoint, now = new Date()): EndpointSecret[] {
  return endpoint.secrets.filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now.getTime());
}

/**
 * The endpoint after rotating to `secret` at `now`: the secrets active until then keep signing for
 * `overlapMs` more (never longer than they already would), none when the overlap is 0.
 */
export function rotateSecret(endpoint: WebhookEndpoint, secret: string, now: Date, overlapMs: number): { endpoint: WebhookEndpoint; previousSecretsExpireAt: string | null } {
  const expiresAt = new Date(now.getTime() + overlapMs).toISOString();
  const kept = activeSecrets(endpoint, now).map((s) => ({
    ...s,
    expiresAt: s.expiresAt === null || Date.parse(s.expiresAt) > Date.parse(expiresAt) ? expiresAt : s.expiresAt,
  }));
  return {
    endpoint: {
      ...endpoint,
      secrets: [{ secret, createdAt: now.toISOString(), expiresAt: null }, ...(overlapMs > 0 ? kept : [])],
      updatedAt: now.toISOString(),
    },
    previousSecretsExpireAt: overlapMs > 0 && kept.length ? expiresAt : null,
  };
}
