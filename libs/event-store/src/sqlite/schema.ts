import type Database from 'better-sqlite3';

/**
 * A stream's group: its name up to and including its first '.', or the whole name when it has
 * none (`partner-prg_1.par_2` → `partner-prg_1.`, `program-prg_1` → itself). Names are
 * `<category>-<owner>.<rest>` by convention, so a group is one owner's streams of one category,
 * and a `$all` read filtered on stream prefixes reads each prefix's group through
 * `events_stream_group` (stream-prefix-query.ts) instead of scanning the log by position.
 */
export const STREAM_GROUP = `CASE WHEN instr(stream, '.') > 0 THEN substr(stream, 1, instr(stream, '.')) ELSE stream END`;

/**
 * One table of events: `position` is the global order (`$all`), `(stream, revision)` the per-stream
 * order, `(stream_group, position)` the global order within a group. A stream's last revision is
 * the last entry of its `(stream, revision)` range: one index seek, so an append checks its expected
 * revision without a table of its own to keep (files before 2026-12 had one, `streams`; its upsert
 * dirtied one more page per commit, about 5% of an append's throughput, and the migration drops it).
 * `stream_group` is VIRTUAL: computed, never stored, so only the index holds it.
 */
export const EVENT_STORE_SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position  INTEGER PRIMARY KEY AUTOINCREMENT,
  id        TEXT    NOT NULL UNIQUE,
  stream    TEXT    NOT NULL,
  revision  INTEGER NOT NULL,
  type      TEXT    NOT NULL,
  data      TEXT    NOT NULL,
  metadata  TEXT    NOT NULL,
  created   INTEGER NOT NULL,
  stream_group TEXT GENERATED ALWAYS AS (${STREAM_GROUP}) VIRTUAL,
  UNIQUE (stream, revision)
);
CREATE INDEX IF NOT EXISTS events_type ON events (type, position);
`;

/** The columns of a recorded event (`SELECT *` would compute `stream_group` for nothing). */
export const EVENT_COLUMNS = 'position, id, stream, revision, type, data, metadata, created';

export interface EventStoreMigrationLogger {
  info(details: object, message: string): void;
}

/**
 * Creates the schema, and upgrades an older file:
 * - written before `stream_group` existed: adds the column (instant: it is virtual) and builds its
 *   index, which reads every event once (about 3 s per million events). Runs in an IMMEDIATE
 *   transaction that re-checks, so processes opening the same old file at once upgrade it once; the
 *   others wait for it (the busy timeout is raised meanwhile, since the build outlasts the usual one).
 * - with the `streams` table of revisions: dropped, nothing reads it any more. A process of an older
 *   version still running on the file fails its appends (no such table); one started later
 *   recreates it empty, sees every stream as new, and is refused by `UNIQUE (stream, revision)`:
 *   its appends fail, none is written twice (docs/architecture.md).
 */
export function migrateEventStore(db: Database.Database, logger?: EventStoreMigrationLogger): void {
  db.exec(EVENT_STORE_SCHEMA);
  if (hasStreamsTable(db)) db.exec('DROP TABLE IF EXISTS streams');
  if (hasStreamGroupIndex(db)) return;
  const busyTimeout = db.pragma('busy_timeout', { simple: true });
  db.pragma('busy_timeout = 600000');
  try {
    db.transaction(() => {
      if (hasStreamGroupIndex(db)) return;
      const started = performance.now();
      const upgrade = !hasStreamGroupColumn(db);
      if (upgrade) db.exec(`ALTER TABLE events ADD COLUMN stream_group TEXT GENERATED ALWAYS AS (${STREAM_GROUP}) VIRTUAL`);
      db.exec('CREATE INDEX events_stream_group ON events (stream_group, position)');
      if (upgrade) {
        const events = db.prepare<[], { n: number | bigint }>('SELECT count(*) AS n FROM events').get()?.n ?? 0;
        logger?.info({ events: Number(events), ms: Math.round(performance.now() - started) }, 'event store: upgraded the file, events indexed by stream group (once)');
      }
    }).immediate();
  } finally {
    db.pragma(`busy_timeout = ${Number(busyTimeout)}`);
  }
}

function hasStreamGroupIndex(db: Database.Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'events_stream_group'").get() !== undefined;
}

function hasStreamsTable(db: Database.Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'streams'").get() !== undefined;
}

function hasStreamGroupColumn(db: Database.Database): boolean {
  return (db.pragma('table_xinfo(events)') as { name: string }[]).some((c) => c.name === 'stream_group');
}
