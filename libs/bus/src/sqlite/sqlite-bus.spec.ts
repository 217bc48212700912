import { afterAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bus } from '../bus.port.js';
import { busContract, message, recorder, sleep, waitFor } from '../contract/bus.contract.js';
import { buildBusForChildProcesses, type ChildWorkers } from '../testing/child-workers.js';
import { SqliteBus } from './sqlite-bus.js';

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pl-bus-'));
  dirs.push(dir);
  return join(dir, 'partner-ledger.db');
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

busContract('sqlite file, one connection per bus (as separate processes would)', async ({ retrySchedule }) => {
  const file = tempFile();
  const buses: Bus[] = [];
  return {
    open: async () => {
      const bus = SqliteBus.open(file, { retrySchedule, pollIntervalMs: 20 });
      buses.push(bus);
      return bus;
    },
    cleanup: async () => {
      await Promise.all(buses.map((b) => b.close()));
    },
  };
});

busContract('sqlite :memory:, buses sharing the engine connection', async ({ retrySchedule }) => {
  const db = new Database(':memory:');
  db.defaultSafeIntegers(true); // as the event store leaves it
  const queue = 'q-shared';
  const buses: Bus[] = [];
  return {
    open: async () => {
      const bus = SqliteBus.onDatabase(db, { queue, retrySchedule, pollIntervalMs: 20 });
      buses.push(bus);
      return bus;
    },
    cleanup: async () => {
      await Promise.all(buses.map((b) => b.close()));
      db.close();
    },
  };
});

describe('sqlite bus: leases across processes', () => {
  let workers: ChildWorkers | undefined;
  afterAll(async () => {
    await workers?.dispose();
  });

  it('a crashed worker process (SIGKILL mid-handler) loses its message to another worker once the lease expires', async () => {
    workers ??= await buildBusForChildProcesses();
    const file = tempFile();
    const bus = SqliteBus.open(file, { retrySchedule: [0], leaseMs: 400, pollIntervalMs: 20 });
    try {
      const m = message(1);
      await bus.publish([m]);
      const crasher = workers.spawn({ file, leaseMs: 400, mode: 'hang' });
      const first = await crasher.nextLine();
      expect(JSON.parse(first)).toMatchObject({ messageId: m.messageId, attempt: 1, redelivered: false });
      const lostAt = Date.now();
      crasher.kill('SIGKILL');
      await crasher.exited;

      const r = recorder(bus);
      await r.consumer.ready;
      await waitFor(() => r.seen.length === 1, 'the takeover', 5_000);
      expect(r.seen[0]).toMatchObject({ messageId: m.messageId, attempt: 1, redelivered: true });
      // Not before the dead worker's lease ran out (it was claimed shortly before lostAt).
      expect(r.seen[0].at - lostAt).toBeGreaterThan(150);
      await sleep(200);
      expect(r.seen).toHaveLength(1);
      expect(await bus.stats()).toEqual({ ready: 0, delayed: 0, dead: 0 });
    } finally {
      await bus.close();
    }
  });

  it('three worker processes on one file share 600 messages with no message delivered twice', async () => {
    workers ??= await buildBusForChildProcesses();
    const file = tempFile();
    const bus = SqliteBus.open(file, { pollIntervalMs: 20 });
    try {
      // Each handler takes 5 ms: a worker acking instantly claims its next messages in the same
      // transaction as its acks and can drain a batch before the others' next poll, so the test
      // would not show sharing; at 5 ms one worker needs ~750 ms for all 600, the others poll every 10 ms.
      const children = [0, 1, 2].map(() => workers!.spawn({ file, leaseMs: 5_000, mode: 'ack', concurrency: 4, handlerMs: 5 }));
      await Promise.all(children.map((c) => c.nextLine())); // each prints "ready"
      const messages = Array.from({ length: 600 }, (_, i) => message(i));
      for (let i = 0; i < messages.length; i += 100) await bus.publish(messages.slice(i, i + 100));
      await waitFor(async () => (await bus.stats()).ready === 0 && children.reduce((n, c) => n + c.lines.length, 0) >= 603, 'all 600 acked', 20_000);
      await sleep(200);
      const delivered = children.flatMap((c) => c.lines.slice(1).map((l) => JSON.parse(l).messageId as string));
      expect(delivered).toHaveLength(600);
      expect(new Set(delivered).size).toBe(600);
      expect(children.filter((c) => c.lines.length > 1).length).toBeGreaterThanOrEqual(2);
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(children.map((c) => c.exited));
    } finally {
      await bus.close();
    }
  });
});

describe('sqlite bus: leases within one process', () => {
  it('renews the lease of a slow handler, so no other worker gets its message', async () => {
    const file = tempFile();
    const a = SqliteBus.open(file, { leaseMs: 150, pollIntervalMs: 10 });
    const b = SqliteBus.open(file, { leaseMs: 150, pollIntervalMs: 10 });
    try {
      const slow = recorder(a, async () => {
        await sleep(600);
        return { kind: 'ack' };
      });
      await a.publish([message(1)]);
      await waitFor(() => slow.seen.length === 1, 'the slow handler to start');
      const other = recorder(b);
      await sleep(800);
      expect(other.seen).toHaveLength(0);
      expect(slow.seen).toHaveLength(1);
      expect(await a.stats()).toEqual({ ready: 0, delayed: 0, dead: 0 });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('dead-letters an attempt handed out more than maxDeliveries times without an outcome', async () => {
    const file = tempFile();
    const bus = SqliteBus.open(file, { maxDeliveries: 2, leaseMs: 50, pollIntervalMs: 10 });
    const db = new Database(file);
    try {
      await bus.publish([message(1)]);
      // Two "workers" claim and vanish: expire their leases by hand.
      for (let i = 0; i < 2; i++) {
        expect(bus.claim(1)).toHaveLength(1);
        db.prepare('UPDATE bus_messages SET visible_at = 0').run();
      }
      expect(bus.claim(1)).toHaveLength(0);
      const [dead] = await bus.deadLetters();
      expect(dead.reason).toMatch(/^delivery limit: attempt 1 was handed out 2 times/);
    } finally {
      db.close();
      await bus.close();
    }
  });

  it('an outcome recorded after the lease was taken over is dropped (fenced by the lease token)', async () => {
    const file = tempFile();
    const a = SqliteBus.open(file, { leaseMs: 50 });
    const b = SqliteBus.open(file, { leaseMs: 5_000 });
    try {
      await a.publish([message(1)]);
      const [stale] = a.claim(1);
      await sleep(80);
      const [fresh] = b.claim(1);
      expect(fresh.delivery.redelivered).toBe(true);
      await a.record(stale, { kind: 'dead', reason: 'too late' });
      expect(await a.stats()).toEqual({ ready: 0, delayed: 0, dead: 0 });
      await b.record(fresh, { kind: 'ack' });
      expect(await b.stats()).toEqual({ ready: 0, delayed: 0, dead: 0 });
      expect(a.claim(1)).toHaveLength(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('sqlite bus: claims inside publishes and recorded outcomes', () => {
  /** Counts the claims a consumer made in a transaction of its own that found messages. */
  function countOwnClaims(bus: SqliteBus): { count: number } {
    const counter = { count: 0 };
    const claim = bus.claim.bind(bus);
    bus.claim = (limit: number) => {
      const claimed = claim(limit);
      if (claimed.length) counter.count++;
      return claimed;
    };
    return counter;
  }

  it('a consumer of the publishing bus gets the messages from the publish itself, leased: no claim of its own, none for another worker', async () => {
    const file = tempFile();
    const a = SqliteBus.open(file, { pollIntervalMs: 10 });
    const b = SqliteBus.open(file, { pollIntervalMs: 10 });
    try {
      const own = countOwnClaims(a);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const local = recorder(a, async () => {
        await held;
        return { kind: 'ack' };
      });
      await sleep(50); // its first look found the queue empty
      await a.publish([message(1), message(2), message(3)]);
      // Handed out by the publish, before it returned.
      expect(local.seen).toHaveLength(3);
      expect(b.claim(10)).toHaveLength(0);
      release();
      await waitFor(async () => (await a.stats()).ready === 0 && local.seen.length === 3, 'the acks');
      await sleep(50);
      expect(own.count).toBe(0);
      expect(local.distinct()).toBe(3);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('an outcome frees its slot for the next message in the same transaction, never past the concurrency', async () => {
    const file = tempFile();
    const bus = SqliteBus.open(file, { pollIntervalMs: 10 });
    try {
      const own = countOwnClaims(bus);
      let running = 0;
      let most = 0;
      const local = recorder(
        bus,
        async () => {
          most = Math.max(most, ++running);
          await sleep(15);
          running--;
          return { kind: 'ack' };
        },
        2,
      );
      await sleep(50);
      await bus.publish(Array.from({ length: 12 }, (_, i) => message(i)));
      await waitFor(async () => local.seen.length === 12 && (await bus.stats()).ready === 0, 'all twelve');
      expect(most).toBe(2);
      expect(local.distinct()).toBe(12);
      // Two from the publish, then two with each batch of outcomes: the consumer never claimed alone.
      expect(own.count).toBe(0);
    } finally {
      await bus.close();
    }
  });
});

describe('sqlite bus: group commit of publishes', () => {
  it('publishes of one turn share a transaction, yet one that fails is refused alone and writes nothing', async () => {
    const db = new Database(':memory:');
    const bus = SqliteBus.onDatabase(db, { pollIntervalMs: 10 });
    try {
      // A publish the database refuses (validation cannot see this one coming).
      db.exec(`CREATE TRIGGER refuse_boom BEFORE INSERT ON bus_messages WHEN NEW.body = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END`);
      const good = bus.publish([message(1), message(2)]);
      const bad = bus.publish([message(3), message(4, { body: 'boom' })]);
      const alsoGood = bus.publish([message(5)]);
      await expect(good).resolves.toBeUndefined();
      // Not `rejects.toThrow`: better-sqlite3's errors come from the realm of the first test file
      // that loaded it in this Jest worker, so they are not `Error`s of this one.
      const refusal = await bad.then(
        () => null,
        (error: { message?: string }) => error,
      );
      expect(refusal?.message).toContain('boom refused');
      await expect(alsoGood).resolves.toBeUndefined();
      expect(await bus.stats()).toEqual({ ready: 3, delayed: 0, dead: 0 });
      const local = recorder(bus);
      await waitFor(() => local.seen.length === 3, 'the three published');
      expect(local.seen.map((d) => JSON.parse(d.body).n).sort()).toEqual([1, 2, 5]);
    } finally {
      await bus.close();
      db.close();
    }
  });
});
