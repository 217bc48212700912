import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { ChildHandler } from '../lib/child.js';

export interface PrepareParams {
  dataDir: string;
  adminKey: string;
  /** Random commands sent to the engine for the seed history. */
  commands: number;
  /** Events wanted in the log. */
  events: number;
}

export interface PrepareResult {
  file: string;
  events: number;
  seedEvents: number;
  seedCommands: number;
  copies: number;
}

export interface RebuildRunResult {
  events: number;
  seconds: number;
  documents?: number;
  readOnly?: { events: number; seconds: number };
}

export const handlers: Record<string, ChildHandler> = {
  /**
   * The log to rebuild: a seed history made by the real engine over HTTP (partners in referral
   * chains, customers, sales, approvals, denials, refunds, status changes, refusals: every event
   * decided by the real deciders), then copied under new program ids until the log holds `events`
   * events. Copies are written straight into the events table, which is setup, not measurement.
   */
  async 'rebuild.prepare'(p: PrepareParams): Promise<PrepareResult> {
    const [{ loadConfig, DATABASE_FILE }, { startEngine }, { createLogger }, { RandomHistory }] = await Promise.all([
      import('@partner-ledger/config'),
      import('@partner-ledger/roles'),
      import('@partner-ledger/platform'),
      import('@partner-ledger/testing'),
    ]);
    const engine = await startEngine(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: p.dataDir, ADMIN_API_KEY: p.adminKey, LOG_LEVEL: 'silent' }), createLogger({ level: 'silent' }));
    const call = async (method: string, path: string, body?: unknown, key: string | null = p.adminKey) => {
      const res = await fetch(engine.url + path, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    };
    // RandomHistory drives a test engine through `call` only.
    const history = await RandomHistory.start({ call } as never, 20261122);
    await history.run(p.commands);
    await engine.close();

    const file = join(p.dataDir, DATABASE_FILE);
    const db = new Database(file);
    // Setup only: no fsync per copy (the measured runs open the file with the engine's settings).
    db.pragma('synchronous = OFF');
    const seed = db.prepare('SELECT stream, revision, type, data, metadata, created FROM events ORDER BY position').all() as {
      stream: string;
      revision: number;
      type: string;
      data: string;
      metadata: string;
      created: number;
    }[];
    const pid = history.programId;
    const insert = db.prepare('INSERT INTO events (id, stream, revision, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const copy = db.transaction((k: number) => {
      const to = `prg_${k.toString(16).padStart(20, '0')}`;
      for (const e of seed) {
        insert.run(randomUUID(), e.stream.split(pid).join(to), e.revision, e.type, e.data.split(pid).join(to), e.metadata.split(pid).join(to), e.created);
      }
    });
    let total = seed.length;
    let copies = 0;
    while (total + seed.length <= p.events) {
      copy(++copies);
      total += seed.length;
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    return { file, events: total, seedEvents: seed.length, seedCommands: history.stats.commands, copies };
  },

  /** The engine's rebuild (`rebuildReadModels`, what the CLI runs): fresh namespace, replay, swap. */
  async 'rebuild.ours'(p: { file: string }): Promise<RebuildRunResult> {
    const [{ SqliteEventStore }, { SqliteReadStore }, { rebuildReadModels, READ_MODEL_COLLECTIONS }] = await Promise.all([
      import('@partner-ledger/event-store'),
      import('@partner-ledger/read-store'),
      import('@partner-ledger/projections'),
    ]);
    // Two connections to the one file, as the engine and the CLI open them.
    const events = SqliteEventStore.open(p.file);
    const store = SqliteReadStore.open(p.file);
    const t0 = performance.now();
    const result = await rebuildReadModels(events, store);
    const seconds = (performance.now() - t0) / 1000;
    let documents = 0;
    for (const c of READ_MODEL_COLLECTIONS) documents += await store.count(result.namespace, c);
    await store.close();
    await events.close();
    return { events: result.events, seconds, documents };
  },

  /**
   * The same fold with no store: the same pages of `$all` read the same way, through the same
   * projections (InMemoryFold, what `asOf` queries use), documents kept in a Map. First a pass that
   * only reads, to show what the log read alone costs.
   */
  async 'rebuild.memory'(p: { file: string }): Promise<RebuildRunResult> {
    const [{ SqliteEventStore }, { InMemoryFold, PROJECTIONS }] = await Promise.all([import('@partner-ledger/event-store'), import('@partner-ledger/projections')]);
    const events = SqliteEventStore.open(p.file);
    const pass = async (apply: (e: Parameters<InstanceType<typeof InMemoryFold>['apply']>[0]) => void) => {
      let from: bigint | 'start' = 'start';
      let n = 0;
      const t0 = performance.now();
      for (;;) {
        const page = await events.readAll({ fromPosition: from, maxCount: 1000 });
        for (const e of page) apply(e);
        n += page.length;
        if (page.length < 1000) break;
        from = page[page.length - 1].position + 1n;
      }
      return { events: n, seconds: (performance.now() - t0) / 1000 };
    };
    const readOnly = await pass(() => undefined);
    const fold = new InMemoryFold(PROJECTIONS);
    const folded = await pass((e) => fold.apply(e));
    await events.close();
    return { ...folded, documents: fold.docs.size, readOnly };
  },
};
