import { afterAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBus, SqliteBus } from '@partner-ledger/bus';
import { DATABASE_FILE, STATE_FILE, STATE_TABLES } from '@partner-ledger/config';
import { openEventStore, SqliteEventStore } from '@partner-ledger/event-store';
import { openLeaseStore, SqliteLeaseStore } from '@partner-ledger/leases';
import { openReadStore, SqliteReadStore } from '@partner-ledger/read-store';

/**
 * A DATA_DIR written by a version that kept everything in one SQLite file, opened the way the
 * engine opens its stores now: the events stay where they are, and the read models, configuration,
 * leases and webhook queue are found in the state file, moved there on the first open.
 */
describe('a DATA_DIR of the one-file layout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pl-upgrade-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its events, read models, configuration, leases and queued webhooks', async () => {
    const one = join(dir, DATABASE_FILE);
    // As the older version wrote them, every store on the one file.
    const oldEvents = SqliteEventStore.open(one);
    const oldStore = SqliteReadStore.open(one);
    const oldBus = SqliteBus.open(one);
    const oldLeases = SqliteLeaseStore.open(one);
    await oldEvents.appendToStream('partner-1', [{ type: 'PartnerCreated', data: { n: 1 } }]);
    await oldStore.put('config', 'webhook_endpoints', { _id: 'whe_1', pos: 0, url: 'https://example.test/hook' });
    await oldStore.commit('rm', 'partners', [], 1n);
    await oldBus.publish([{ messageId: 'evt-1', topic: 'NEW_AFFILIATE', endpointId: 'whe_1', body: '{}' }]);
    expect(await oldLeases.acquire('projector', 'old-engine', null, 60_000)).not.toBeNull();
    for (const s of [oldBus, oldLeases, oldStore, oldEvents]) await s.close();
    expect(existsSync(join(dir, STATE_FILE))).toBe(false);

    const config = { dataDir: dir, webhookRetrySchedule: [1_000] };
    const store = await openReadStore(config);
    const bus = await openBus(config);
    const leases = await openLeaseStore(config);
    const events = await openEventStore(config);
    try {
      expect(existsSync(join(dir, STATE_FILE))).toBe(true);
      expect((await events.readAll()).map((e) => e.type)).toEqual(['PartnerCreated']);
      expect(await store.get('config', 'webhook_endpoints', 'whe_1')).toMatchObject({ url: 'https://example.test/hook' });
      expect((await store.getCheckpoint('rm', 'partners')).position).toBe(1n);
      expect(await bus.stats()).toMatchObject({ ready: 1 });
      // The lease taken before the upgrade is still held by its holder.
      expect(await leases.acquire('projector', 'new-engine', null, 60_000)).toBeNull();
    } finally {
      for (const s of [bus, leases, store, events]) await s.close();
    }
  });

  it('moves every table the state’s stores make: a new table of theirs must be named in STATE_TABLES', async () => {
    const fresh = join(dir, 'fresh');
    const config = { dataDir: fresh, webhookRetrySchedule: [1_000] };
    const stores = [await openEventStore(config), await openReadStore(config), await openBus(config), await openLeaseStore(config)];
    for (const s of stores) await s.close();
    const tablesOf = (file: string) => {
      const db = new Database(join(fresh, file), { readonly: true });
      try {
        return db
          .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
          .all()
          .map((r) => r.name);
      } finally {
        db.close();
      }
    };
    expect(tablesOf(STATE_FILE)).toEqual([...STATE_TABLES].sort());
    expect(tablesOf(DATABASE_FILE)).toEqual(['events']);
  });
});
