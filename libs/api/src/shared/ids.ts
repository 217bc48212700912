import { randomBytes } from 'node:crypto';

/** Prefixed random ids: readable in logs, 80 bits of entropy, safe in stream names and URLs. */
export function newId(prefix: 'prg' | 'par' | 'cus' | 'txn' | 'trg' | 'ref' | 'po'): string {
  return `${prefix}_${randomBytes(10).toString('hex')}`;
}

/** Partner referral keys: short, unambiguous, upper case (no 0/O, 1/I). */
export function newReferralKey(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(8);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
