import { afterEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_FILE, databaseFile, MissingDatabaseError, moveStateOutOfEventsFile, STATE_FILE, stateFile } from './database-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const newDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pl-files-'));
  dirs.push(dir);
  return dir;
};

/** An events file as versions before the state file wrote it: the events and every other table, one with an index made at run time. */
function olderEventsFile(file: string): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE events (position INTEGER PRIMARY KEY, data TEXT);
    INSERT INTO events (data) VALUES ('e1'), ('e2');
    CREATE TABLE rm_docs (ns TEXT, collection TEXT, id TEXT, doc TEXT, PRIMARY KEY (ns, collection, id)) WITHOUT ROWID;
    CREATE INDEX "by_endpoint" ON rm_docs (json_extract(doc, '$.endpointId')) WHERE ns = 'config';
    INSERT INTO rm_docs VALUES ('config', 'webhook_endpoints', 'whe_1', '{"url":"https://example.test"}'), ('rm', 'partners', 'par_1', '{}');
    CREATE TABLE rm_checkpoints (ns TEXT, name TEXT, position INTEGER, PRIMARY KEY (ns, name));
    INSERT INTO rm_checkpoints VALUES ('rm', 'partners', 2);
    CREATE TABLE rm_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE bus_messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT, state TEXT);
    CREATE INDEX bus_messages_state ON bus_messages (state);
    INSERT INTO bus_messages (message_id, state) VALUES ('m1', 'ready'), ('m2', 'dead'), ('m3', 'ready');
    DELETE FROM bus_messages WHERE message_id = 'm3';
    CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT);
  `);
  db.close();
}

const tables = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare<[], { type: string; name: string }>(
        "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type, name",
      )
      .all()
      .map((r) => `${r.type} ${r.name}`);
  } finally {
    db.close();
  }
};
const count = (file: string, table: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('the engine’s two SQLite files', () => {
  it('are the events’ file and the state file in DATA_DIR, which a new DATA_DIR gets without anything to move', () => {
    const dir = join(newDir(), 'data');
    expect(stateFile(dir)).toBe(join(dir, STATE_FILE));
    expect(databaseFile(dir)).toBe(join(dir, DATABASE_FILE));
    expect(existsSync(dir)).toBe(true);
    expect(moveStateOutOfEventsFile(join(dir, DATABASE_FILE), join(dir, STATE_FILE))).toEqual([]);
  });

  it('refuse a DATA_DIR without the events’ file when it must exist (a reader pointed at the wrong directory)', () => {
    const dir = newDir();
    expect(() => stateFile(join(dir, 'nowhere'), { mustExist: true })).toThrow(MissingDatabaseError);
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
  });

  it('move the tables an older version kept beside the events into the state file, rows and indexes, once', () => {
    const dir = newDir();
    const events = join(dir, DATABASE_FILE);
    olderEventsFile(events);
    const file = stateFile(dir);
    expect(tables(file)).toEqual(['index bus_messages_state', 'index by_endpoint', 'table bus_messages', 'table leases', 'table rm_checkpoints', 'table rm_docs', 'table rm_meta']);
    expect([count(file, 'rm_docs'), count(file, 'rm_checkpoints'), count(file, 'bus_messages'), count(file, 'leases')]).toEqual([2, 1, 2, 0]);
    // The queue numbers on from its last message (m3, gone), as it would have in the events' file.
    const db = new Database(file);
    db.prepare("INSERT INTO bus_messages (message_id, state) VALUES ('m4', 'ready')").run();
    expect(db.prepare("SELECT seq FROM bus_messages WHERE message_id = 'm4'").get()).toEqual({ seq: 4 });
    db.close();
    // The events' file keeps its events and nothing else.
    expect(tables(events)).toEqual(['table events']);
    expect(count(events, 'events')).toBe(2);
    // Nothing left to move.
    expect(moveStateOutOfEventsFile(events, file)).toEqual([]);
  });

  it('finish a move a crash interrupted after the copy: nothing copied twice, the events’ file emptied of them', () => {
    const dir = newDir();
    const events = join(dir, DATABASE_FILE);
    const file = join(dir, STATE_FILE);
    olderEventsFile(events);
    expect(moveStateOutOfEventsFile(events, file)).toEqual(['rm_docs', 'rm_checkpoints', 'rm_meta', 'bus_messages', 'leases']);
    // As if the drop had not happened: the tables back in the events' file, the copies in the state file.
    rmSync(events);
    rmSync(`${events}-wal`, { force: true });
    rmSync(`${events}-shm`, { force: true });
    olderEventsFile(events);
    expect(moveStateOutOfEventsFile(events, file)).toEqual(['rm_docs', 'rm_checkpoints', 'rm_meta', 'bus_messages', 'leases']);
    expect([count(file, 'rm_docs'), count(file, 'bus_messages')]).toEqual([2, 2]);
    expect(tables(events)).toEqual(['table events']);
  });
});
