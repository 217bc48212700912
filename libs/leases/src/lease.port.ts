/**
 * The lease port: one record per single-active role (`projector`, `webhook-publisher`) that says
 * which instance may run it. Two adapters, SQLite (same file as the read models) and MongoDB
 * (`_leases` collection); `contract/lease.contract.ts` is the executable definition of this file.
 *
 * The store only does compare-and-set; expiry is decided by the contenders (see
 * `single-active.ts`), Kubernetes-style: a contender takes over a record whose `version` it has
 * watched stay unchanged for the holder's `ttlMs` on its own monotonic clock. No two machines'
 * wall clocks are ever compared, so clock skew between hosts cannot hand the lease to two holders.
 *
 * Guarantees, identical for both adapters:
 * - `acquire` succeeds for at most one caller per observed `version`: the winner's write bumps the
 *   version, so every other CAS on the same version fails.
 * - `token` (the fencing token) grows by one on every acquisition and never repeats for a name.
 * - `renew` and `release` succeed only for the current holder with the current token, and never
 *   after a release.
 */

export interface LeaseRecord {
  name: string;
  /** The instance that holds (or last held) the lease. */
  holder: string;
  /** Fencing token: +1 on every acquisition. */
  token: number;
  /** +1 on every write (acquire, renew, release): what a contender watches. */
  version: number;
  /** The holder's TTL; contenders wait this long without seeing a renewal before taking over. */
  ttlMs: number;
  /** The holder's wall clock at the last write: for people reading /health and logs, not for expiry. */
  renewedAt: Date;
  /** Given up on purpose (a clean shutdown): anyone may take it now. */
  released: boolean;
}

export interface LeaseStore {
  readonly kind: 'sqlite' | 'mongodb';
  read(name: string): Promise<LeaseRecord | null>;
  /**
   * Takes the lease if its record still has `seenVersion` (null: there is no record yet). Returns
   * the new record (token + 1), or null when another write came first.
   */
  acquire(name: string, holder: string, seenVersion: number | null, ttlMs: number): Promise<LeaseRecord | null>;
  /** Bumps the version while `holder` still holds `token` and has not released it; null = lost. */
  renew(name: string, holder: string, token: number): Promise<LeaseRecord | null>;
  /** Gives the lease up so a standby can take it at once; false when it was no longer ours. */
  release(name: string, holder: string, token: number): Promise<boolean>;
  close(): Promise<void>;
}

export class LeaseLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseLostError';
  }
}
