import { invalid } from './errors.js';

/** Keys clients choose (partner key, transaction key, custom ids): printable, no spaces, no dots-only. */
const KEY = /^[A-Za-z0-9][A-Za-z0-9_.:@#+/-]{0,127}$/;
// Pragmatic address check: one @, something on each side, a dot in the domain, no spaces.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

export function assertKey(value: unknown, field: string): string {
  if (typeof value !== 'string' || !KEY.test(value)) {
    throw invalid('invalid_key', `${field} must be 1-128 characters of letters, digits and _.:@#+/- starting with a letter or digit`, field);
  }
  return value;
}

/**
 * The one form an email is stored, reserved and compared in: trimmed and lower-cased (addresses
 * are matched case-insensitively everywhere, local part included).
 */
export function normalizeEmail(value: string): string {
  return value.trim().toLowerCase();
}

// Gmail ignores dots in the local part, and googlemail.com is the same service.
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/**
 * The mailbox an address delivers to, for telling one person's addresses apart from another's (not
 * for storing): `normalizeEmail`, then a `+tag` dropped from the local part (any domain), and for
 * gmail.com/googlemail.com the dots dropped and the domain written gmail.com.
 * `J.Ane+promo@GoogleMail.com` → `jane@gmail.com`.
 */
export function normalizeMailbox(value: string): string {
  const email = normalizeEmail(value);
  const at = email.lastIndexOf('@');
  if (at <= 0) return email;
  let local = email.slice(0, at);
  let domain = email.slice(at + 1);
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  if (GMAIL_DOMAINS.has(domain)) {
    local = local.replaceAll('.', '') || local;
    domain = 'gmail.com';
  }
  return `${local}@${domain}`;
}

/** A valid email address, normalised. */
export function assertEmail(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length > 254 || !EMAIL.test(value.trim())) {
    throw invalid('invalid_email', `${field} must be an email address`, field);
  }
  return normalizeEmail(value);
}

export function assertName(value: unknown, field: string, max = 200): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw invalid('invalid_name', `${field} must be a non-empty string`, field);
  if (value.length > max) throw invalid('too_long', `${field} must be at most ${max} characters`, field);
  return value.trim();
}

export function optionalText(value: unknown, field: string, max = 200): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid('invalid_text', `${field} must be a string`, field);
  if (value.length > max) throw invalid('too_long', `${field} must be at most ${max} characters`, field);
  return value.trim() || null;
}
