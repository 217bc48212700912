import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SqliteBus } from '@partner-ledger/bus';
import type { AppConfig } from '@partner-ledger/config';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { SqliteLeaseStore } from '@partner-ledger/leases';
import { SqliteReadStore } from '@partner-ledger/read-store';
import { appendSteps, drainBus, expectedMessages, publisherHistory, saveCatchAllEndpoints } from '@partner-ledger/testing';
import { LeasedPublisher } from './publisher.module.js';

/*
 * Publishers under the lease, each on its own connections to the same files as separate processes
 * would be: a standby taking over (after the holder lost its lease store, then on a clean handover)
 * resumes from the checkpoint with the persisted view, so the receivers get every webhook once,
 * with the body an uninterrupted publisher builds.
 */

const PROGRAMS = ['prg_a', 'prg_b'];
const STEPS = publisherHistory(PROGRAMS, 9);
const endpointOf = (programId: string) => `whe_${programId}`;
const config = { leaseTtlMs: 600, leaseRenewIntervalMs: 100 } as AppConfig;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the publisher under its lease', () => {
  it('a standby taking over resumes from the checkpoint: every webhook once, with the bodies of an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-publisher-failover-'));
    const events = SqliteEventStore.open(join(dir, 'events.db'));
    const bus = SqliteBus.open(join(dir, 'bus.db'), { pollIntervalMs: 20 });
    const closing: (() => Promise<void>)[] = [];
    /** One publisher process: its own read store, lease store and bus connections. */
    const instance = () => {
      const store = SqliteReadStore.open(join(dir, 'read.db'));
      const leases = SqliteLeaseStore.open(join(dir, 'leases.db'));
      const publisherBus = SqliteBus.open(join(dir, 'bus.db'));
      const role = new LeasedPublisher(events, publisherBus, store, leases, config, pino({ level: 'silent' }));
      closing.push(async () => {
        await role.onApplicationShutdown();
        await Promise.allSettled([store.close(), leases.close(), publisherBus.close()]);
      });
      role.onModuleInit();
      return { role, leases };
    };
    const head = async () => (await events.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 }))[0].position;
    const atHead = async (role: LeasedPublisher) => {
      const last = await head();
      await until('the lease holder at the head of the log', () => role.current()?.position === last);
    };
    try {
      const setup = SqliteReadStore.open(join(dir, 'read.db'));
      await saveCatchAllEndpoints(setup, PROGRAMS, endpointOf);
      await setup.close();
      const third = Math.floor(STEPS.length / 3);

      const a = instance();
      await until('A holds the lease', () => a.role.current() !== null);
      const b = instance();
      await appendSteps(events, STEPS.slice(0, third));
      await atHead(a.role);
      expect(b.role.current()).toBeNull();

      // A loses its lease store (as a process cut off from it): it can neither renew nor pass its
      // fence; B takes over once the TTL has passed, from A's checkpoint.
      await a.leases.close();
      await until('B holds the lease', () => b.role.current() !== null);
      await appendSteps(events, STEPS.slice(third, 2 * third));
      await atHead(b.role);

      // A clean handover: B releases the lease on its way out, C takes over at once.
      const c = instance();
      await b.role.onApplicationShutdown();
      await until('C holds the lease', () => c.role.current() !== null);
      await appendSteps(events, STEPS.slice(2 * third));
      await atHead(c.role);

      const expected = expectedMessages(await events.readAll({ fromPosition: 'start' }), endpointOf);
      expect(await drainBus(bus, expected.size)).toEqual([...expected.values()]);
    } finally {
      for (const close of closing) await close();
      await bus.close();
      await events.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
