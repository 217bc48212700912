import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { DryRunEventStore, SqliteEventStore } from '@partner-ledger/event-store';
import { registerGroupCommitMetrics } from './group-commit-metrics.js';

/** `name value` lines of the registry's exposition, as a scrape reads them. */
async function scrape(registry: Registry): Promise<Record<string, number>> {
  const text = await registry.metrics();
  return Object.fromEntries([...text.matchAll(/^(event_store_\w+) (\S+)$/gm)].map((m) => [m[1], Number(m[2])]));
}

describe('group commit metrics', () => {
  it('count the commits, the appends they carried (refused ones too) and the time spent in them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-gc-'));
    const store = SqliteEventStore.open(join(dir, 'events.db'));
    try {
      const registry = new Registry();
      expect(registerGroupCommitMetrics(registry, store)).toBe(true);
      expect(await scrape(registry)).toEqual({ event_store_group_commits_total: 0, event_store_group_commit_appends_total: 0, event_store_group_commit_seconds_total: 0 });
      // Three appends in one turn of the loop: one group; the third is refused inside it.
      const group = await Promise.allSettled([
        store.appendToStream('a-1', [{ type: 'A', data: {} }]),
        store.appendToStream('b-1', [{ type: 'B', data: {} }]),
        store.appendToStream('a-1', [{ type: 'A', data: {} }], { expectedRevision: 'no_stream' }),
      ]);
      expect(group.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
      // Then one alone, in a turn of its own.
      await store.appendToStream('c-1', [{ type: 'C', data: {} }]);
      const after = await scrape(registry);
      expect(after.event_store_group_commits_total).toBe(2);
      expect(after.event_store_group_commit_appends_total).toBe(4);
      expect(after.event_store_group_commit_seconds_total).toBeGreaterThan(0);
      expect(store.groupCommits()).toMatchObject({ commits: 2, appends: 4 });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('register nothing for a store without a group commit', async () => {
    const registry = new Registry();
    const inner = SqliteEventStore.open(':memory:');
    try {
      expect(registerGroupCommitMetrics(registry, new DryRunEventStore(inner))).toBe(false);
      expect(await scrape(registry)).toEqual({});
    } finally {
      await inner.close();
    }
  });
});
