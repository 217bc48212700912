import { afterEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { ConfigError, loadConfig } from '@partner-ledger/config';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { ReadSide } from '@partner-ledger/projections';
import { SqliteReadStore } from '@partner-ledger/read-store';
import { FencedReadStore } from './fenced.js';
import { LeaseLostError, type LeaseStore } from './lease.port.js';
import { type ActiveRole, type Fence, SingleActive } from './single-active.js';
import { SqliteLeaseStore } from './sqlite-lease.js';

const TTL = 600;
const RENEW = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs = 5_000) {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A lease store whose link can be cut, like a process partitioned from the database. */
function cuttable(inner: LeaseStore): LeaseStore & { cut: boolean } {
  const gate = <T>(f: () => Promise<T>) => (wrapped.cut ? Promise.reject(new Error('connection cut')) : f());
  const wrapped = {
    cut: false,
    kind: inner.kind,
    read: (n: string) => gate(() => inner.read(n)),
    acquire: (n: string, h: string, v: number | null, t: number) => gate(() => inner.acquire(n, h, v, t)),
    renew: (n: string, h: string, t: number) => gate(() => inner.renew(n, h, t)),
    release: (n: string, h: string, t: number) => gate(() => inner.release(n, h, t)),
    close: () => inner.close(),
  };
  return wrapped;
}

interface Tenure {
  instance: string;
  token: number;
  fence: Fence;
  startedAt: number;
  stoppedAt: number | null;
}

describe('single-active roles under a lease', () => {
  const keepers: SingleActive[] = [];
  let db: Database.Database;
  afterEach(async () => {
    await Promise.all(keepers.splice(0).map((k) => k.stop()));
    db?.close();
  });

  function setup() {
    db = new Database(':memory:');
    const tenures: Tenure[] = [];
    const instance = (id: string, store: LeaseStore = SqliteLeaseStore.onDatabase(db), role?: (fence: Fence) => Partial<ActiveRole>) => {
      const keeper = new SingleActive(
        store,
        'projector',
        async (fence) => {
          const tenure: Tenure = { instance: id, token: fence.token, fence, startedAt: performance.now(), stoppedAt: null };
          tenures.push(tenure);
          return {
            stop: async () => {
              tenure.stoppedAt = performance.now();
            },
            ...role?.(fence),
          };
        },
        { ttlMs: TTL, renewIntervalMs: RENEW, holder: id },
      );
      keepers.push(keeper);
      keeper.start();
      return keeper;
    };
    return { tenures, instance, leases: SqliteLeaseStore.onDatabase(db) };
  }

  it('one instance holds the role; a second waits as long as the first renews', async () => {
    const { tenures, instance } = setup();
    const a = instance('a');
    await until('a active', () => a.isActive);
    const b = instance('b');
    await sleep(TTL * 3);
    expect(a.isActive).toBe(true);
    expect(b.isActive).toBe(false);
    expect(tenures.map((t) => t.instance)).toEqual(['a']);
    await expect(tenures[0].fence.check()).resolves.toBeUndefined();
  });

  it('a holder cut off from the store fences itself before the standby takes over, and the standby gets a higher token', async () => {
    const { tenures, instance, leases } = setup();
    const store = cuttable(SqliteLeaseStore.onDatabase(db));
    const a = instance('a', store);
    await until('a active', () => a.isActive);
    const b = instance('b');
    await sleep(RENEW * 2);
    store.cut = true;
    const cutAt = performance.now();
    // The holder's own view: its fence fails (locally) no later than its deadline.
    await expect(tenures[0].fence.check()).rejects.toThrow('connection cut');
    let fencedAt = 0;
    while (!fencedAt) {
      try {
        a.assertLocal(tenures[0].token);
        await sleep(5);
      } catch (error) {
        expect(error).toBeInstanceOf(LeaseLostError);
        fencedAt = performance.now();
      }
    }
    await until('b active', () => b.isActive);
    const takeover = tenures[1];
    expect(takeover).toMatchObject({ instance: 'b', token: 2 });
    expect(fencedAt).toBeLessThan(takeover.startedAt);
    expect(fencedAt - cutAt).toBeLessThanOrEqual(TTL);
    expect(takeover.startedAt - cutAt).toBeGreaterThanOrEqual(TTL * 0.8);
    expect(tenures[0].stoppedAt).not.toBeNull();
    expect(a.isActive).toBe(false);
    expect(await leases.read('projector')).toMatchObject({ holder: 'b', token: 2 });
    // Back on the network, a is the standby now, and its old fence stays shut.
    store.cut = false;
    await expect(tenures[0].fence.check()).rejects.toThrow(LeaseLostError);
    await sleep(RENEW * 3);
    expect(a.isActive).toBe(false);
    expect(b.isActive).toBe(true);
  });

  it('a clean stop releases the lease: the standby takes over within a renew interval, not a TTL', async () => {
    const { tenures, instance } = setup();
    const a = instance('a');
    await until('a active', () => a.isActive);
    const b = instance('b');
    await sleep(RENEW * 2);
    const stoppedAt = performance.now();
    await a.stop();
    await until('b active', () => b.isActive);
    expect(performance.now() - stoppedAt).toBeLessThan(TTL);
    expect(tenures.map((t) => [t.instance, t.token])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });

  it('a holder whose record was taken over stops at its next renewal; its fence fails at once', async () => {
    const { tenures, instance, leases } = setup();
    const a = instance('a');
    await until('a active', () => a.isActive);
    const record = (await leases.read('projector'))!;
    // Someone (an operator, a buggy clock) took the lease over under the holder's feet.
    expect(await leases.acquire('projector', 'intruder', record.version, TTL)).toMatchObject({ token: 2 });
    await expect(tenures[0].fence.check()).rejects.toThrow(/no longer current/);
    await until('a steps down', () => !a.isActive);
    expect(tenures[0].stoppedAt).not.toBeNull();
  });

  it('a role that fails steps down and releases, so another instance runs it', async () => {
    const { tenures, instance } = setup();
    const a = instance('a', undefined, () => ({ failure: () => new Error('projection crashed') }));
    await until('a active', () => tenures.length === 1);
    const b = instance('b');
    await until('b active', () => b.isActive, TTL * 2);
    expect(tenures.map((t) => [t.instance, t.token])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(tenures[0].stoppedAt).not.toBeNull();
    expect(a.isActive).toBe(false);
  });

  it('refuses a renew interval above a third of the TTL', () => {
    db = new Database(':memory:');
    expect(() => new SingleActive(SqliteLeaseStore.onDatabase(db), 'x', async () => ({ stop: async () => undefined }), { ttlMs: 1_000, renewIntervalMs: 400 })).toThrow(/third of the TTL/);
  });

  it('a projector that lost the lease cannot write its checkpoint any more', async () => {
    const { leases } = setup();
    const events = SqliteEventStore.onDatabase(db);
    const store = SqliteReadStore.onDatabase(db);
    let readSide: ReadSide | null = null;
    const a = new SingleActive(
      leases,
      'projector',
      async (fence) => {
        const rs = new ReadSide(events, new FencedReadStore(store, fence));
        await rs.start();
        readSide = rs;
        return { stop: () => rs.stop(), failure: () => rs.failures[0]?.error ?? null };
      },
      { ttlMs: TTL, renewIntervalMs: RENEW, holder: 'a' },
    );
    keepers.push(a);
    a.start();
    await until('a active', () => readSide !== null);
    const data = { programId: 'prg', name: 'P', currency: 'USD', apiKeyHash: 'x', commission: { type: 'PERCENT_OF_SALE', amount: '10' }, tiers: [] };
    const first = await events.appendToStream('program-prg', [{ type: 'ProgramCreated', data }]);
    expect(await readSide!.waitFor(first.position, 2_000)).toBe(true);
    const checkpoint = await store.getCheckpoint(await store.activeNamespace(), 'partners');
    expect(checkpoint.position).toBe(first.position);

    const record = (await leases.read('projector'))!;
    await leases.acquire('projector', 'b', record.version, TTL);
    const second = await events.appendToStream('program-prg2', [{ type: 'ProgramCreated', data: { ...data, programId: 'prg2' } }]);
    expect(await readSide!.waitFor(second.position, 300)).toBe(false);
    expect((await store.getCheckpoint(await store.activeNamespace(), 'partners')).position).toBe(first.position);
  });
});

describe('lease knobs in the environment', () => {
  it('LEASE_TTL and LEASE_RENEW_INTERVAL: 10 s and 2 s by default, durations with units, renewal at most a third of the TTL', () => {
    expect(loadConfig({})).toMatchObject({ leaseTtlMs: 10_000, leaseRenewIntervalMs: 2_000 });
    expect(loadConfig({ LEASE_TTL: '1500ms', LEASE_RENEW_INTERVAL: '300ms' })).toMatchObject({ leaseTtlMs: 1_500, leaseRenewIntervalMs: 300 });
    expect(loadConfig({ LEASE_TTL: '3s' })).toMatchObject({ leaseTtlMs: 3_000, leaseRenewIntervalMs: 1_000 });
    expect(() => loadConfig({ LEASE_TTL: '3s', LEASE_RENEW_INTERVAL: '2s' })).toThrow(/LEASE_RENEW_INTERVAL .* at most a third of LEASE_TTL/);
    expect(() => loadConfig({ LEASE_TTL: '10' })).toThrow(ConfigError);
    expect(() => loadConfig({ LEASE_TTL: '0s' })).toThrow(/LEASE_TTL/);
    expect(() => loadConfig({ LEASE_TTL: '5s,10s' })).toThrow(/LEASE_TTL/);
  });

  it('AMQP_PREFIX names the RabbitMQ objects', () => {
    expect(loadConfig({ AMQP_PREFIX: 'pl.staging' }).amqpPrefix).toBe('pl.staging');
    expect(loadConfig({}).amqpPrefix).toBeUndefined();
    expect(() => loadConfig({ AMQP_PREFIX: 'a b' })).toThrow(/AMQP_PREFIX/);
  });
});
