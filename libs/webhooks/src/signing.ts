import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Topic } from './topics.js';

/*
 * Signing of outgoing webhooks: Standard Webhooks headers (https://www.standardwebhooks.com/) and
 * Refersion's. Both HMAC-SHA256 signatures are keyed with the same bytes: the base64-decoded part of
 * the endpoint's `whsec_<base64>` secret.
 *
 *   webhook-id          stable per (event, endpoint): see webhookIdFor
 *   webhook-timestamp   integer Unix seconds of this attempt
 *   webhook-signature   "v1,<base64 HMAC-SHA256(key, `${id}.${timestamp}.${body}`)>", one per secret,
 *                       space-separated during a rotation overlap window
 *   Refersion-Topic     the topic
 *   Refersion-Signature base64 HMAC-SHA256(key, raw body), with the NEWEST secret only
 */

/** What each header of a webhook request means (the catalogue and the OpenAPI `webhooks` show these). */
export const WEBHOOK_REQUEST_HEADERS: Readonly<Record<string, string>> = {
  'webhook-id': 'Stable per (event, endpoint) across retries and resends: deduplicate on it',
  'webhook-timestamp': 'Unix seconds of this attempt',
  'webhook-signature': 'Standard Webhooks: "v1,<base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`>", one per live secret, space-separated',
  'Refersion-Topic': 'The topic',
  'Refersion-Signature': 'base64 HMAC-SHA256 of the raw body, with the newest secret',
};

export const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A new endpoint secret: `whsec_` + base64 of 24 random bytes (192 bits). */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

/** The HMAC key of a `whsec_` secret: the bytes its base64 part decodes to. */
export function secretKey(secret: string): Buffer {
  if (typeof secret !== 'string' || !secret.startsWith(SECRET_PREFIX)) throw new Error('a webhook secret must start with whsec_');
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (encoded.length === 0 || !BASE64.test(encoded)) throw new Error('a webhook secret must be whsec_ followed by base64');
  return Buffer.from(encoded, 'base64');
}

/** Refersion-Signature: base64 HMAC-SHA256 of the raw body, keyed like the Standard Webhooks one. */
export function refersionSignature(secret: string, body: string | Buffer): string {
  return createHmac('sha256', secretKey(secret)).update(body).digest('base64');
}

export interface SignInput {
  /** One secret, or… */
  secret?: string;
  /**
   * …several during a rotation overlap window, NEWEST FIRST: every one signs `webhook-signature`
   * (so a receiver holding either the old or the new secret verifies), the first one alone signs
   * `Refersion-Signature` (that header carries a single value).
   */
  secrets?: readonly string[];
  webhookId: string;
  /** The attempt's time: a Date, or Unix seconds. */
  timestamp: Date | number;
  /** The exact bytes that are POSTed. */
  body: string;
  topic: Topic;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  'Refersion-Topic': Topic;
  'Refersion-Signature': string;
  [name: string]: string;
}

export function signHeaders(input: SignInput): SignedHeaders {
  const secrets = input.secrets?.length ? [...input.secrets] : input.secret ? [input.secret] : [];
  if (secrets.length === 0) throw new Error('signHeaders needs a secret or a non-empty secrets list');
  if (!input.webhookId) throw new Error('signHeaders needs a webhookId');
  const date = input.timestamp instanceof Date ? input.timestamp : new Date(input.timestamp * 1000);
  const seconds = Math.floor(date.getTime() / 1000);
  if (!Number.isFinite(seconds)) throw new Error('signHeaders needs a valid timestamp');
  // Standard Webhooks' v1 signature, computed with node:crypto: the `standardwebhooks` package's own
  // `sign` (its pure-JavaScript SHA-256) gives the same bytes at several times the CPU (signing.spec.ts).
  const signed = `${input.webhookId}.${seconds}.${input.body}`;
  const signatures = secrets.map((secret) => `v1,${createHmac('sha256', secretKey(secret)).update(signed).digest('base64')}`);
  return {
    'webhook-id': input.webhookId,
    'webhook-timestamp': String(seconds),
    'webhook-signature': signatures.join(' '),
    'Refersion-Topic': input.topic,
    'Refersion-Signature': refersionSignature(secrets[0], input.body),
  };
}

/**
 * The `webhook-id` of an event sent to an endpoint: `msg_` + the first 27 base64url characters
 * (162 bits) of SHA-256 over both ids. It depends on nothing else, so every retry, manual resend
 * and history replay of that event to that endpoint carries the same id and receivers can dedupe.
 */
export function webhookIdFor(eventId: string, endpointId: string): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(['webhook-id/v1', eventId, endpointId]))
    .digest('base64url');
  return `msg_${digest.slice(0, 27)}`;
}
