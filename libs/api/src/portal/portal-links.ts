import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forbidden, unauthenticated } from '@partner-ledger/domain';

/** How long a portal link lasts when the request names no `expiresInSeconds`: a week. */
export const DEFAULT_PORTAL_LINK_SECONDS = 7 * 24 * 3600;
/** The longest a portal link may last: 90 days, so a leaked link does not reach a partner's data for ever. */
export const MAX_PORTAL_LINK_SECONDS = 90 * 24 * 3600;

/** What a portal link grants: one partner of one program, read-only, until `exp` (Unix seconds). */
export interface PortalGrant {
  programId: string;
  partnerId: string;
  exp: number;
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

const PREFIX = 'plp1';

const mac = (secret: string, body: string) => createHmac('sha256', secret).update(`${PREFIX}.${body}`).digest('base64url');

/**
 * A token `plp1.<payload>.<mac>`: the grant in base64url JSON and its HMAC-SHA256 under the server
 * secret. Nothing is stored, so a link cannot be revoked alone before it expires (rotate the
 * secret, or disable the partner, whose portal then answers 403).
 */
export function signPortalToken(secret: string, grant: PortalGrant): string {
  const body = Buffer.from(JSON.stringify({ p: grant.programId, a: grant.partnerId, e: grant.exp })).toString('base64url');
  return `${PREFIX}.${body}.${mac(secret, body)}`;
}

/** The grant of a token this server signed and that has not expired at `now`; else 401. */
export function verifyPortalToken(secret: string, token: string | undefined, now: Date): PortalGrant {
  if (!token) throw unauthenticated('missing_portal_token', 'send the portal link token as Authorization: Bearer <token>');
  const [prefix, body, signature, ...rest] = token.split('.');
  const expected = body === undefined ? '' : mac(secret, body);
  if (prefix !== PREFIX || rest.length > 0 || !signature || signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
    throw unauthenticated('invalid_portal_token', 'the portal link is not valid (altered or from another server)');
  }
  const { p, a, e } = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as { p: string; a: string; e: number };
  if (now.getTime() >= e * 1000) throw unauthenticated('portal_link_expired', `the portal link expired at ${new Date(e * 1000).toISOString()}; ask the program for a new one`);
  return { programId: p, partnerId: a, exp: e };
}

/** A partner whose status is not ACTIVE or PENDING sees nothing through an earlier link. */
export function assertPortalOpen(status: string): void {
  if (status === 'DISABLED' || status === 'DENIED') throw forbidden('portal_closed', `the partner is ${status.toLowerCase()}: their portal is closed`);
}
