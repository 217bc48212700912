import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The token in a test or production URL is the credential: `iwt_` (test) or `iwp_` (production),
 * the webhook's id, and 32 random bytes. Carrying the id lets a request find its webhook with one
 * read; the secret is then compared in constant time.
 */
export type UrlKind = 'test' | 'production';

const PREFIX: Record<UrlKind, string> = { test: 'iwt', production: 'iwp' };

export const newIncomingWebhookId = () => `iwh_${randomBytes(8).toString('hex')}`;
export const newUrlSecret = () => randomBytes(32).toString('base64url');

export function tokenFor(kind: UrlKind, webhookId: string, secret: string): string {
  return `${PREFIX[kind]}_${webhookId.replace(/^iwh_/, '')}_${secret}`;
}

export function parseToken(token: string): { kind: UrlKind; webhookId: string; secret: string } | null {
  const match = /^(iwt|iwp)_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  return { kind: match[1] === 'iwt' ? 'test' : 'production', webhookId: `iwh_${match[2]}`, secret: match[3] };
}

/** Digests first: timingSafeEqual needs equal lengths, and the digest hides the secret's length. */
export function secretsMatch(given: string, stored: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(stored));
}
