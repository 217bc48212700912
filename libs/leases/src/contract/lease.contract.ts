import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { LeaseStore } from '../lease.port.js';

export interface LeaseStoreFixture {
  /** Two stores on the same backing data, as two processes would have. */
  a: LeaseStore;
  b: LeaseStore;
  cleanup(): Promise<void>;
}

/** The executable definition of the lease port: every adapter runs it unchanged. */
export function leaseStoreContract(name: string, factory: () => Promise<LeaseStoreFixture>): void {
  describe(`lease store contract: ${name}`, () => {
    let fixture: LeaseStoreFixture;
    let a: LeaseStore;
    let b: LeaseStore;
    beforeAll(async () => {
      fixture = await factory();
      ({ a, b } = fixture);
    });
    afterAll(async () => fixture?.cleanup());

    const lease = () => `lease-${randomUUID().slice(0, 8)}`;

    it('the first acquisition creates the record with token 1; the other store sees it', async () => {
      const n = lease();
      expect(await a.read(n)).toBeNull();
      const got = await a.acquire(n, 'h1', null, 5_000);
      expect(got).toMatchObject({ name: n, holder: 'h1', token: 1, version: 1, ttlMs: 5_000, released: false });
      expect(got!.renewedAt).toBeInstanceOf(Date);
      expect(await b.read(n)).toMatchObject({ name: n, holder: 'h1', token: 1, version: 1, ttlMs: 5_000, released: false });
    });

    it('of two first acquisitions at once, exactly one wins', async () => {
      const n = lease();
      const results = await Promise.all([a.acquire(n, 'h1', null, 1_000), b.acquire(n, 'h2', null, 1_000)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.find(Boolean)!;
      expect(await a.read(n)).toMatchObject({ holder: winner.holder, token: 1 });
    });

    it('a takeover is a compare-and-set on the version seen: one winner, token + 1', async () => {
      const n = lease();
      const first = (await a.acquire(n, 'h1', null, 1_000))!;
      const results = await Promise.all([a.acquire(n, 'h2', first.version, 2_000), b.acquire(n, 'h3', first.version, 2_000)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.find(Boolean)!;
      expect(winner).toMatchObject({ token: 2, version: first.version + 1, ttlMs: 2_000, released: false });
      expect(['h2', 'h3']).toContain(winner.holder);
      // A stale version never wins, also once the record has moved on.
      expect(await b.acquire(n, 'h4', first.version, 1_000)).toBeNull();
      expect(await a.acquire(n, 'h4', null, 1_000)).toBeNull();
      expect(await b.read(n)).toMatchObject({ holder: winner.holder, token: 2 });
    });

    it('renew bumps the version for the holder with its token only', async () => {
      const n = lease();
      const first = (await a.acquire(n, 'h1', null, 1_000))!;
      const renewed = await b.renew(n, 'h1', 1);
      expect(renewed).toMatchObject({ holder: 'h1', token: 1, version: first.version + 1, released: false });
      expect(await a.renew(n, 'h2', 1)).toBeNull();
      expect(await a.renew(n, 'h1', 2)).toBeNull();
      expect(await a.renew('missing-' + n, 'h1', 1)).toBeNull();
      expect((await a.read(n))!.version).toBe(first.version + 1);
    });

    it('a taken-over holder can neither renew nor release; the tokens never repeat', async () => {
      const n = lease();
      const first = (await a.acquire(n, 'h1', null, 1_000))!;
      const second = (await b.acquire(n, 'h2', first.version, 1_000))!;
      expect(await a.renew(n, 'h1', first.token)).toBeNull();
      expect(await a.release(n, 'h1', first.token)).toBe(false);
      const third = (await a.acquire(n, 'h1', second.version, 1_000))!;
      expect([first.token, second.token, third.token]).toEqual([1, 2, 3]);
      expect(await b.renew(n, 'h2', second.token)).toBeNull();
    });

    it('release frees the lease: no renew after it, and the next acquisition takes it with a new token', async () => {
      const n = lease();
      await a.acquire(n, 'h1', null, 1_000);
      expect(await a.release(n, 'h1', 1)).toBe(true);
      expect(await a.release(n, 'h1', 1)).toBe(false);
      expect(await a.renew(n, 'h1', 1)).toBeNull();
      const released = (await b.read(n))!;
      expect(released).toMatchObject({ holder: 'h1', token: 1, released: true });
      const next = await b.acquire(n, 'h2', released.version, 1_000);
      expect(next).toMatchObject({ holder: 'h2', token: 2, released: false });
    });

    it('many contenders on one version: exactly one takes it', async () => {
      const n = lease();
      const first = (await a.acquire(n, 'h0', null, 1_000))!;
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).acquire(n, `c${i}`, first.version, 1_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await a.read(n))!.token).toBe(2);
    });

    it('leases are independent by name', async () => {
      const n1 = lease();
      const n2 = lease();
      await a.acquire(n1, 'h1', null, 1_000);
      expect(await b.acquire(n2, 'h2', null, 1_000)).toMatchObject({ holder: 'h2', token: 1 });
      expect(await a.read(n1)).toMatchObject({ holder: 'h1', token: 1 });
    });
  });
}
