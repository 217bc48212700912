import { describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from './sqlite-event-store.js';

/** The schema files were written with before `stream_group`. */
const SCHEMA_BEFORE_STREAM_GROUP = `
CREATE TABLE events (
  position  INTEGER PRIMARY KEY AUTOINCREMENT,
  id        TEXT    NOT NULL UNIQUE,
  stream    TEXT    NOT NULL,
  revision  INTEGER NOT NULL,
  type      TEXT    NOT NULL,
  data      TEXT    NOT NULL,
  metadata  TEXT    NOT NULL,
  created   INTEGER NOT NULL,
  UNIQUE (stream, revision)
);
CREATE INDEX events_type ON events (type, position);
CREATE TABLE streams (name TEXT PRIMARY KEY, revision INTEGER NOT NULL) WITHOUT ROWID;
`;

/** A file as written before stream groups, holding `events` ([id, stream, revision]); `more` writes the rest. */
function oldFile(events: [string, string, number][], more?: (db: Database.Database) => void): { file: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pl-es-'));
  const file = join(dir, 'events.db');
  const old = new Database(file);
  old.exec(SCHEMA_BEFORE_STREAM_GROUP);
  const insert = old.prepare("INSERT INTO events (id, stream, revision, type, data, metadata, created) VALUES (?, ?, ?, 'A', '{}', '{}', 0)");
  for (const [id, stream, revision] of events) insert.run(id, stream, revision);
  more?.(old);
  old.close();
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('sqlite event store: opening a file written before stream groups', () => {
  it('adds the column and its index once, logs how long it took, and reads by prefix as before', async () => {
    const { file, remove } = oldFile(['program-prg_1', 'partner-prg_1.a', 'partner-prg_10.b', 'customer-prg_1.c'].map((stream, i) => [`e${i}`, stream, 0]));
    try {
      const logged: { details: object; message: string }[] = [];
      const logger = { info: (details: object, message: string) => logged.push({ details, message }) };
      const store = SqliteEventStore.open(file, { logger });
      expect(logged).toEqual([{ details: { events: 4, ms: expect.any(Number) }, message: expect.stringContaining('indexed by stream group') }]);
      const indexes = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").pluck().all();
      expect(indexes).toContain('events_stream_group');
      const read = await store.readAll({ filter: { streamPrefixes: ['program-prg_1', 'partner-prg_1.', 'customer-prg_1.'] } });
      expect(read.map((e) => e.streamName)).toEqual(['program-prg_1', 'partner-prg_1.a', 'customer-prg_1.c']);
      await store.appendToStream('partner-prg_1.d', [{ type: 'B', data: {} }]);
      expect((await store.readAll({ direction: 'backwards', maxCount: 1, filter: { streamPrefixes: ['partner-prg_1.'] } })).map((e) => e.streamName)).toEqual(['partner-prg_1.d']);
      await store.close();

      const again = SqliteEventStore.open(file, { logger });
      expect(logged).toHaveLength(1);
      await again.close();
    } finally {
      remove();
    }
  });

  it("drops the old streams table and goes on from each stream's last revision in the events", async () => {
    const { file, remove } = oldFile(
      [
        ['e0', 'partner-prg_1.a', 0],
        ['e1', 'partner-prg_1.a', 1],
      ],
      // A stale row: the events, not this table, say where the stream is.
      (old) => old.prepare("INSERT INTO streams (name, revision) VALUES ('partner-prg_1.a', 0)").run(),
    );
    try {
      const store = SqliteEventStore.open(file);
      expect(store.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'streams'").get()).toBeUndefined();
      const refused = await store.appendToStream('partner-prg_1.a', [{ type: 'B', data: {} }], { expectedRevision: 0n }).catch((e: Error) => e);
      expect((refused as Error).message).toMatch(/partner-prg_1\.a/);
      const appended = await store.appendToStream('partner-prg_1.a', [{ type: 'B', data: {} }], { expectedRevision: 1n });
      expect(appended.nextExpectedRevision).toBe(2n);
      await store.close();
    } finally {
      remove();
    }
  });

  it("checks a stream's revision with one seek in the (stream, revision) index", async () => {
    const store = SqliteEventStore.open(':memory:');
    const plan = store.db
      .prepare('EXPLAIN QUERY PLAN SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1')
      .all('x')
      .map((r) => (r as { detail: string }).detail);
    expect(plan).toEqual([expect.stringMatching(/^SEARCH events USING COVERING INDEX sqlite_autoindex_events_\d \(stream=\?\)$/)]);
    await store.close();
  });

  it('a new file gets the index without an upgrade to log', async () => {
    const logged: string[] = [];
    const store = SqliteEventStore.open(':memory:', { logger: { info: (_: object, message: string) => logged.push(message) } });
    expect(store.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'events_stream_group'").get()).toBeDefined();
    expect(logged).toEqual([]);
    await store.close();
  });
});
