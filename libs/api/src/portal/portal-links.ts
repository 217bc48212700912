import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { forbidden, unauthenticated } from '@partner-ledger/domain';

/** How long a portal link lasts when the request names no `expiresInSeconds`: a week. */
export const DEFAULT_PORTAL_LINK_SECONDS = 7 * 24 * 3600;
/** The longest a portal link may last: 90 days, so a leaked link does not reach anyone's data for ever. */
export const MAX_PORTAL_LINK_SECONDS = 90 * 24 * 3600;

/**
 * The portals a link can open, each with its token prefix and its page. The prefix is signed with
 * the rest, so a link to one kind of portal never opens another (a partner's id under a webhook
 * endpoint's prefix fails the signature).
 */
export const PORTALS = {
  partner: { prefix: 'plp1', page: '/portal/partner' },
  'webhook-endpoint': { prefix: 'plw1', page: '/portal/webhook-endpoint' },
} as const;
export type PortalKind = keyof typeof PORTALS;

/** What a portal link grants: one subject (a partner, a webhook endpoint) of one program, until `exp` (Unix seconds). */
export interface PortalGrant {
  programId: string;
  /** The partner's or the endpoint's id. */
  id: string;
  exp: number;
}

/** A minted link: the page with the token in its fragment, the token alone, and when it stops working. */
export interface PortalLink {
  url: string;
  token: string;
  expiresAt: string;
}

/**
 * The secret that signs portal links: PORTAL_LINK_SECRET when set (every API instance behind one
 * load balancer needs the same); else one generated on first start and kept in DATA_DIR, as the
 * admin key is. Replacing it revokes every link handed out.
 */
export function resolvePortalSecret(dataDir: string, fromEnv: string | undefined): string {
  if (fromEnv) return fromEnv;
  const file = join(dataDir, 'portal-link-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}

const mac = (secret: string, prefix: string, body: string) => createHmac('sha256', secret).update(`${prefix}.${body}`).digest('base64url');

/**
 * A token `<prefix>.<payload>.<mac>`: the grant in base64url JSON (`p` program, `a` the id the
 * link is about, `e` expiry) and its HMAC-SHA256 under the server secret. Nothing is stored, so a
 * link cannot be revoked alone before it expires (rotate the secret, or close what it opens:
 * disable the partner, delete the endpoint).
 */
export function signPortalToken(secret: string, kind: PortalKind, grant: PortalGrant): string {
  const { prefix } = PORTALS[kind];
  const body = Buffer.from(JSON.stringify({ p: grant.programId, a: grant.id, e: grant.exp })).toString('base64url');
  return `${prefix}.${body}.${mac(secret, prefix, body)}`;
}

/** The grant of a `kind` token this server signed and that has not expired at `now`; else 401. */
export function verifyPortalToken(secret: string, kind: PortalKind, token: string | undefined, now: Date): PortalGrant {
  if (!token) throw unauthenticated('missing_portal_token', 'send the portal link token as Authorization: Bearer <token>');
  const { prefix: expectedPrefix } = PORTALS[kind];
  const [prefix, body, signature, ...rest] = token.split('.');
  const expected = body === undefined ? '' : mac(secret, expectedPrefix, body);
  if (prefix !== expectedPrefix || rest.length > 0 || !signature || signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
    throw unauthenticated('invalid_portal_token', 'the portal link is not valid (altered, for another portal, or from another server)');
  }
  const { p, a, e } = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as { p: string; a: string; e: number };
  if (now.getTime() >= e * 1000) throw unauthenticated('portal_link_expired', `the portal link expired at ${new Date(e * 1000).toISOString()}; ask the program for a new one`);
  return { programId: p, id: a, exp: e };
}

/** The portal token of a request (`Authorization: Bearer <token>`), checked as `verifyPortalToken` does. */
export function portalGrantOf(secret: string, kind: PortalKind, authorization: string | undefined, now: Date): PortalGrant {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  return verifyPortalToken(secret, kind, token, now);
}

/**
 * A link to `kind`'s portal for one subject, lasting `expiresInSeconds` from `now`. The URL is
 * `publicUrl` (PUBLIC_URL) or the request's own origin, then the portal's page, then the token in
 * the fragment, which browsers never send to a server nor in a Referer.
 */
export function mintPortalLink(
  secret: string,
  kind: PortalKind,
  subject: { programId: string; id: string },
  options: { now: Date; expiresInSeconds?: number; publicUrl: string | undefined; request: FastifyRequest },
): PortalLink {
  const exp = Math.floor(options.now.getTime() / 1000) + (options.expiresInSeconds ?? DEFAULT_PORTAL_LINK_SECONDS);
  const token = signPortalToken(secret, kind, { ...subject, exp });
  const base = options.publicUrl ?? `${options.request.protocol}://${options.request.host}`;
  return { url: `${base}${PORTALS[kind].page}#${token}`, token, expiresAt: new Date(exp * 1000).toISOString() };
}

/** A partner whose status is not ACTIVE or PENDING sees nothing through an earlier link. */
export function assertPortalOpen(status: string): void {
  if (status === 'DISABLED' || status === 'DENIED') throw forbidden('portal_closed', `the partner is ${status.toLowerCase()}: their portal is closed`);
}
