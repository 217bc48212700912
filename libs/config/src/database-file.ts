import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The embedded engine's two SQLite files in DATA_DIR. The events are one; everything else (read
 * models, configuration and the delivery log, leases, the webhook queue) is the other. Each file
 * has one writer at a time, holding it through its commit's fsync: in one file, the main thread's
 * appends and the webhook thread's commits queued behind each other, and at 500 commands/s on the
 * bench that queue was most of a webhook's tail. In two, neither waits for the other.
 */
export const DATABASE_FILE = 'partner-ledger.db';
export const STATE_FILE = 'partner-ledger-state.db';

/** The tables of the state file, which versions before it kept in the events' file (`moveStateOutOfEventsFile`). */
export const STATE_TABLES = ['rm_docs', 'rm_checkpoints', 'rm_meta', 'bus_messages', 'leases'] as const;

/** Raised when a reader (the CLI) is pointed at a DATA_DIR without the engine's file. */
export class MissingDatabaseError extends Error {
  constructor(readonly file: string) {
    super(`no database at ${file}`);
    this.name = 'MissingDatabaseError';
  }
}

export interface DatabaseFileOptions {
  /** Refuse a missing file instead of creating DATA_DIR (and then the file) for it. */
  mustExist?: boolean;
}

/** Where the embedded event store opens its SQLite file; creates DATA_DIR unless `mustExist`. */
export function databaseFile(dataDir: string, options: DatabaseFileOptions = {}): string {
  const file = join(dataDir, DATABASE_FILE);
  if (options.mustExist) {
    if (!existsSync(file)) throw new MissingDatabaseError(file);
  } else {
    mkdirSync(dataDir, { recursive: true });
  }
  return file;
}

/** Data directories already checked for an older layout by this thread. */
const moved = new Set<string>();

/**
 * Where the embedded read store, leases and webhook queue open their SQLite file; creates DATA_DIR
 * unless `mustExist` (then the engine's events file must be there). A DATA_DIR of an older version
 * has them in the events' file: they are moved out first, once (`moveStateOutOfEventsFile`).
 */
export function stateFile(dataDir: string, options: DatabaseFileOptions = {}): string {
  const events = databaseFile(dataDir, options);
  const file = join(dataDir, STATE_FILE);
  if (!moved.has(dataDir)) {
    moveStateOutOfEventsFile(events, file);
    moved.add(dataDir);
  }
  return file;
}

/**
 * Moves the state tables (STATE_TABLES, with their indexes) from an events file written by an
 * older version into the state file; answers the tables moved. Copied in one transaction of the
 * state file (durable: synchronous=FULL), then dropped from the events file in one of its own. A
 * crash between the two leaves them in both: the next start finds them in the state file, copies
 * nothing and drops them from the events file. Nothing to do (and the events file not opened for
 * writing) when it has none of them: a new DATA_DIR, or one already moved.
 */
export function moveStateOutOfEventsFile(eventsFile: string, file: string): string[] {
  if (!existsSync(eventsFile)) return [];
  const events = new Database(eventsFile);
  try {
    events.pragma('busy_timeout = 5000');
    const present = tablesOf(events, 'main').filter((t) => (STATE_TABLES as readonly string[]).includes(t));
    if (present.length === 0) return [];
    const state = new Database(file);
    try {
      state.pragma('journal_mode = WAL');
      state.pragma('synchronous = FULL');
      state.pragma('busy_timeout = 5000');
      state.prepare('ATTACH DATABASE ? AS legacy').run(eventsFile);
      state
        .transaction(() => {
          const already = new Set(tablesOf(state, 'main'));
          const copied = present.filter((table) => !already.has(table));
          for (const table of copied) {
            const schema = state
              .prepare<[string], { type: string; sql: string }>("SELECT type, sql FROM legacy.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type = 'index'")
              .all(table);
            for (const { type, sql } of schema) {
              if (type !== 'table') continue;
              state.exec(sql);
              state.exec(`INSERT INTO main."${table}" SELECT * FROM legacy."${table}"`);
            }
            // After the rows: an index built once rather than kept up by each insert.
            for (const { type, sql } of schema) if (type === 'index') state.exec(sql);
          }
          // An AUTOINCREMENT table (the queue's) goes on from its last number, not from its highest row left.
          if (tablesOf(state, 'main').includes('sqlite_sequence') && tablesOf(state, 'legacy').includes('sqlite_sequence')) {
            for (const table of copied) {
              const seq = state.prepare<[string], { seq: number }>('SELECT seq FROM legacy.sqlite_sequence WHERE name = ?').get(table);
              if (seq === undefined) continue;
              state.prepare('DELETE FROM main.sqlite_sequence WHERE name = ?').run(table);
              state.prepare('INSERT INTO main.sqlite_sequence (name, seq) VALUES (?, ?)').run(table, seq.seq);
            }
          }
        })
        .immediate();
      state.exec('DETACH DATABASE legacy');
    } finally {
      state.close();
    }
    events
      .transaction(() => {
        for (const table of present) events.exec(`DROP TABLE IF EXISTS "${table}"`);
      })
      .immediate();
    return present;
  } finally {
    events.close();
  }
}

function tablesOf(db: Database.Database, schema: 'main' | 'legacy'): string[] {
  return db
    .prepare<[], { name: string }>(`SELECT name FROM ${schema}.sqlite_master WHERE type = 'table'`)
    .all()
    .map((r) => r.name);
}
