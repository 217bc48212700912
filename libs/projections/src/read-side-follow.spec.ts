import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { PROJECTIONS } from './index.js';
import { ReadSide } from './read-side.js';
import { SqliteReadStore } from '@partner-ledger/read-store';

const program = (programId: string) => ({
  type: 'ProgramCreated',
  data: { programId, name: 'P', currency: 'USD', apiKeyHash: 'x', commission: { type: 'PERCENT_OF_SALE', amount: '10' }, tiers: [] },
});

/**
 * An API process beside a separate projector: its read side runs nothing and waits on the
 * checkpoints the projector commits to the shared store (two connections to one file here, as two
 * processes would have).
 */
describe('a read side that follows another process', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  function open(options: { announce?: boolean; pollMs?: number } = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'pl-follow-'));
    const file = join(dir, 'partner-ledger.db');
    const projectorEvents = SqliteEventStore.open(file);
    const projectorStore = SqliteReadStore.open(file);
    const apiEvents = SqliteEventStore.open(file);
    const apiStore = SqliteReadStore.open(file);
    const projector = new ReadSide(projectorEvents, projectorStore, undefined, PROJECTIONS, { announce: options.announce });
    const follower = new ReadSide(apiEvents, apiStore, undefined, PROJECTIONS, { mode: 'follow', pollMs: options.pollMs ?? 10 });
    closers.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    for (const c of [projectorEvents, projectorStore, apiEvents, apiStore]) closers.push(() => c.close());
    closers.push(() => projector.stop());
    return { projector, follower, apiEvents, apiStore };
  }

  it('waitFor answers once every projection has committed the position, and runs no projection itself', async () => {
    const { projector, follower, apiEvents } = open();
    await follower.start();
    const first = await apiEvents.appendToStream('program-a', [program('a')]);
    expect(await follower.waitFor(first.position, 150)).toBe(false);
    expect(follower.failures).toEqual([]);

    await projector.start();
    expect(await follower.waitFor(first.position, 5_000)).toBe(true);
    const second = await apiEvents.appendToStream('program-b', [program('b')]);
    const waited = Date.now();
    expect(await follower.waitFor(second.position, 5_000)).toBe(true);
    expect(Date.now() - waited).toBeLessThan(2_000);
    // Below what it has seen, it answers without asking the store.
    expect(await follower.waitFor(first.position, 0)).toBe(true);
  });

  it('lag reads the checkpoints from the store', async () => {
    const { projector, follower, apiEvents } = open();
    await follower.start();
    await apiEvents.appendToStream('program-a', [program('a')]);
    const before = await follower.lag();
    expect(before.map((l) => [l.projection, l.position, l.eventsBehind])).toEqual(PROJECTIONS.map((p) => [p.name, null, 1]));
    await projector.start();
    const last = await apiEvents.appendToStream('program-b', [program('b')]);
    expect(await follower.waitFor(last.position, 5_000)).toBe(true);
    expect((await follower.lag()).map((l) => [l.position, l.eventsBehind])).toEqual(PROJECTIONS.map(() => [String(last.position), 0]));
  });

  it('follows a swap of namespaces: positions are then waited for in the new one', async () => {
    const { projector, follower, apiEvents, apiStore } = open();
    await projector.start();
    await follower.start();
    const first = await apiEvents.appendToStream('program-a', [program('a')]);
    expect(await follower.waitFor(first.position, 5_000)).toBe(true);
    await projector.stop(); // so nothing fills rm2 while we look
    await apiStore.activate('rm2');
    expect(await follower.activeNamespace()).toBe('rm2');
    // Nothing has filled rm2 yet: the same position is not reached there.
    expect(await follower.waitFor(first.position, 100)).toBe(false);
  });

  it('in one process (the engine, its projector on a webhook thread), a projector that announces its commits wakes the follower before its poll', async () => {
    const late = (ms: number) => new Promise((resolve) => setTimeout(() => resolve('still waiting'), ms));
    // A poll of a minute: only the announcement can answer within the race.
    const quiet = open({ pollMs: 60_000 });
    await quiet.projector.start();
    await quiet.follower.start();
    const unannounced = await quiet.apiEvents.appendToStream('program-a', [program('a')]);
    const pending = quiet.follower.waitFor(unannounced.position, 1_500);
    expect(await Promise.race([pending, late(1_000)])).toBe('still waiting');
    await pending; // settles at its deadline, before the stores close

    const told = open({ announce: true, pollMs: 60_000 });
    await told.projector.start();
    await told.follower.start();
    for (const id of ['b', 'c', 'd']) {
      const appended = await told.apiEvents.appendToStream(`program-${id}`, [program(id)]);
      expect(await Promise.race([told.follower.waitFor(appended.position, 30_000), late(5_000)])).toBe(true);
    }
  });
});
