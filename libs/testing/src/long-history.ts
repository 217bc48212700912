// Test and bench support (not built): a long event log written straight into a SQLite data dir.
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DATABASE_FILE } from '@partner-ledger/config';
import { startTestEngine } from './engine.fixture.js';
import { RandomHistory } from './random-history.js';

export interface LongHistoryOptions {
  /** The data dir to fill (created by the engine when missing); its file must not exist yet. */
  dataDir: string;
  /** Random commands sent to the engine for the seed history. */
  commands: number;
  /** Events wanted in the log (rounded down to whole copies of the seed). */
  events: number;
  /** RandomHistory seed. */
  seed?: number;
}

export interface LongHistory {
  file: string;
  events: number;
  seedEvents: number;
  seedCommands: number;
  copies: number;
  /** The program the seed history made (copies get `prg_<hex>` ids of their own). */
  programId: string;
}

/**
 * A log of `events` events: a seed history made by the real engine over HTTP (partners in referral
 * chains, customers, sales, approvals, denials, refunds, status changes, refusals: every event decided
 * by the real deciders), then copied under new program ids until the log holds enough events. Copies
 * are written straight into the events table (setup, not a measurement), so nothing downstream of the
 * log (read models, publisher, queue) has seen them: whatever starts on this data dir is behind by
 * all of them. The bench's rebuild scenario and the scale test (test/scale/) share it.
 */
export async function buildLongHistory(options: LongHistoryOptions): Promise<LongHistory> {
  const engine = await startTestEngine({ dataDir: options.dataDir, env: { LOG_LEVEL: 'silent' } });
  let history: RandomHistory;
  try {
    history = await RandomHistory.start(engine, options.seed ?? 20261122);
    await history.run(options.commands);
  } finally {
    await engine.stop({ keepData: true });
  }
  const file = join(options.dataDir, DATABASE_FILE);
  const db = new Database(file);
  try {
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
        const stream = e.stream.split(pid).join(to);
        insert.run(randomUUID(), stream, e.revision, e.type, e.data.split(pid).join(to), e.metadata.split(pid).join(to), e.created);
      }
    });
    let total = seed.length;
    let copies = 0;
    while (total + seed.length <= options.events) {
      copy(++copies);
      total += seed.length;
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { file, events: total, seedEvents: seed.length, seedCommands: history.stats.commands, copies, programId: pid };
  } finally {
    db.close();
  }
}
