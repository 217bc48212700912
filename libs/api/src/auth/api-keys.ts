import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Program keys name their program, so a request is checked against one hash without an index. */
export function newProgramKey(programId: string): string {
  return `plk_${programId}_${randomBytes(24).toString('base64url')}`;
}

export function programIdOfKey(key: string): string | null {
  const match = /^plk_(prg_[0-9a-f]{20})_[A-Za-z0-9_-]{32}$/.exec(key);
  return match ? match[1] : null;
}

/** Keys are long random strings, so one SHA-256 is enough; a slow KDF would only slow requests. */
export function keyDigest(key: string): Buffer {
  // The one-shot form: no Hash object per request (about 40 % less time than createHash's chain).
  return hash('sha256', key, 'buffer');
}

/** What a program stores of its key: the digest in hex. */
export function hashKey(key: string): string {
  return keyDigest(key).toString('hex');
}

/**
 * Whether two digests are the same, in time that does not depend on where they differ. A request
 * hashes its key once and compares that digest with the admin key's and with its program's stored
 * one (both 32 bytes; a malformed stored hash has another length and never matches).
 */
export function sameDigest(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The admin key: ADMIN_API_KEY when set; else the one kept in DATA_DIR, generated on first start.
 * `generated` tells the caller to print it, once.
 */
export function resolveAdminKey(dataDir: string, fromEnv: string | undefined): { key: string; generated: boolean; file?: string } {
  if (fromEnv) return { key: fromEnv, generated: false };
  const file = join(dataDir, 'admin-api-key');
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), generated: false, file };
  mkdirSync(dataDir, { recursive: true });
  const key = `pla_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { key, generated: true, file };
}
