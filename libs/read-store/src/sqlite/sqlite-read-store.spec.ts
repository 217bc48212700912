import { describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStoreContract } from '../contract/read-store.contract.js';
import { SqliteReadStore } from './sqlite-read-store.js';

readStoreContract('sqlite :memory:', async () => {
  const store = SqliteReadStore.open(':memory:');
  return { store, cleanup: () => store.close() };
});

describe('sqlite read store: puts in one turn are written together', () => {
  it('a read, a delete or a close sees every put requested before it, awaited or not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-rs-'));
    const file = join(dir, 'rm.db');
    try {
      const store = SqliteReadStore.open(file);
      const doc = { _id: 'a', pos: 0, n: 1 };
      const first = store.put('ns', 'c', doc);
      doc.n = 2; // serialized when put was called: this changes nothing stored
      expect(await store.get('ns', 'c', 'a')).toEqual({ _id: 'a', pos: 0, n: 1 });
      await first;
      const many = Array.from({ length: 20 }, (_, i) => store.put('ns', 'c', { _id: `d${i}`, pos: 0, i }));
      expect(await store.count('ns', 'c')).toBe(21);
      void store.put('ns', 'c', { _id: 'gone', pos: 0 });
      expect(await store.delete('ns', 'c', 'gone')).toBe(true);
      const last = store.put('ns', 'c', { _id: 'late', pos: 0 });
      await store.close();
      await Promise.all([...many, last]);
      await expect(store.put('ns', 'c', { _id: 'after', pos: 0 })).rejects.toThrow('read store is closed');
      const reopened = SqliteReadStore.open(file);
      expect(await reopened.get('ns', 'c', 'late')).toEqual({ _id: 'late', pos: 0 });
      expect(await reopened.count('ns', 'c')).toBe(22);
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite read store: files from before the rowid layout', () => {
  it('moves every document of a WITHOUT ROWID rm_docs into the rowid table on open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-rs-'));
    const file = join(dir, 'old.db');
    try {
      const old = new Database(file);
      old.exec(`CREATE TABLE rm_docs (ns TEXT NOT NULL, collection TEXT NOT NULL, id TEXT NOT NULL, pos INTEGER NOT NULL, doc TEXT NOT NULL,
                  PRIMARY KEY (ns, collection, id)) WITHOUT ROWID`);
      const insert = old.prepare('INSERT INTO rm_docs VALUES (?, ?, ?, ?, ?)');
      for (let i = 0; i < 50; i++) insert.run('rm1', 'c', `d${i}`, i, JSON.stringify({ _id: `d${i}`, pos: i, big: 'x'.repeat(3000) }));
      old.close();

      const store = SqliteReadStore.open(file);
      expect(await store.count('rm1', 'c')).toBe(50);
      expect(await store.get('rm1', 'c', 'd7')).toMatchObject({ _id: 'd7', pos: 7 });
      await store.commit('rm1', 'p', [{ collection: 'c', doc: { _id: 'd7', pos: 100, v: 'new' } }], 100n);
      expect(await store.get('rm1', 'c', 'd7')).toEqual({ _id: 'd7', pos: 100, v: 'new' });
      await store.close();

      const check = new Database(file, { readonly: true });
      const sql = (check.prepare("SELECT sql FROM sqlite_master WHERE name = 'rm_docs'").get() as { sql: string }).sql;
      const leftovers = check.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'rm_docs_without_rowid'").get() as { n: number };
      check.close();
      expect(sql).not.toMatch(/WITHOUT ROWID/i);
      expect(leftovers.n).toBe(0);
      // A second open finds nothing to migrate.
      const again = SqliteReadStore.open(file);
      expect(await again.count('rm1', 'c')).toBe(50);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite read store: declared indexes', () => {
  it("a find on an index's equality fields and order reads a range of it: no scan of the collection, no sort, the cursor as its start", async () => {
    const db = new Database(':memory:');
    const store = SqliteReadStore.onDatabase(db);
    for (let i = 0; i < 50; i++)
      await store.put('config', 'log', { _id: `d${i}`, pos: 0, endpointId: `e${i % 5}`, status: i % 7 ? 'delivered' : 'dead', at: `2026-01-01T00:00:${String(i).padStart(2, '0')}.000Z` });
    await store.put('config', 'other', { _id: 'x', pos: 0, endpointId: 'e1', at: 'z' });
    await store.ensureIndex('config', 'log', {
      name: 'by_status',
      fields: [
        { field: 'endpointId', direction: 'asc' },
        { field: 'status', direction: 'asc' },
        { field: 'at', direction: 'desc' },
      ],
    });
    const plan = (sql: string, ...params: unknown[]) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');
    const sql = `SELECT doc FROM rm_docs WHERE ns = ? AND collection = ? AND json_extract(doc, '$.endpointId') = ? AND json_extract(doc, '$.status') = ?
      AND ((json_extract(doc, '$.at') < ?) OR (json_extract(doc, '$.at') = ? AND id > ?)) AND json_extract(doc, '$.at') <= ?
      ORDER BY json_extract(doc, '$.at') DESC, id ASC LIMIT ?`;
    const at = '2026-01-01T00:00:40.000Z';
    expect(plan(sql, 'config', 'log', 'e0', 'dead', at, at, 'd40', at, 10)).toMatch(/^SEARCH rm_docs USING INDEX "?rm_ix_config_log_by_status"? \(<expr>=\? AND <expr>=\? AND <expr><\?\)$/);
    // The partial index covers this collection only: another collection's find does not use it.
    expect(plan(sql, 'config', 'other', 'e0', 'dead', at, at, 'd40', at, 10)).not.toContain('rm_ix_');
    const found = await store.find('config', 'log', { where: { endpointId: 'e0', status: 'dead' }, orderBy: [{ field: 'at', direction: 'desc' }], after: [at, 'd40'], limit: 10 });
    expect(found.map((d) => d._id)).toEqual(['d35', 'd0']);
    await store.close();
    db.close();
  });
});

describe('sqlite read store: a commit writes in key order', () => {
  it('keeps the order of writes to one document (a put then its removal) while sorting the rest', async () => {
    const store = SqliteReadStore.open(':memory:');
    try {
      await store.commit(
        'ns',
        'p',
        [
          { collection: 'c2', doc: { _id: 'b', pos: 3, n: 1 } },
          { collection: 'c1', doc: { _id: 'z', pos: 1, n: 2 } },
          { collection: 'c1', doc: { _id: 'a', pos: 2, n: 3 } },
          { collection: 'c1', doc: { _id: 'z', pos: 4 }, remove: true },
          { collection: 'c1', doc: { _id: 'y', pos: 5 }, remove: true },
          { collection: 'c1', doc: { _id: 'y', pos: 6, n: 4 } },
        ],
        6n,
      );
      expect(await store.get('ns', 'c1', 'z')).toBeNull();
      expect(await store.get('ns', 'c1', 'y')).toEqual({ _id: 'y', pos: 6, n: 4 });
      expect(await store.get('ns', 'c1', 'a')).toEqual({ _id: 'a', pos: 2, n: 3 });
      expect(await store.get('ns', 'c2', 'b')).toEqual({ _id: 'b', pos: 3, n: 1 });
      expect(await store.getCheckpoint('ns', 'p')).toMatchObject({ position: 6n });
    } finally {
      await store.close();
    }
  });
});

describe('sqlite read store: durable writes', () => {
  it('commits a durable put or delete with synchronous = FULL, and every other write NORMAL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-rs-durable-'));
    const db = new Database(join(dir, 'state.db'));
    try {
      const store = SqliteReadStore.onDatabase(db);
      // What the connection's setting is while each row is written or removed (1 NORMAL, 2 FULL),
      // seen by a trigger of this connection inside the write's own transaction.
      db.exec(`CREATE TEMP TABLE seen (what TEXT, id TEXT, synchronous INTEGER);
        CREATE TEMP TRIGGER seen_put AFTER INSERT ON main.rm_docs BEGIN INSERT INTO seen SELECT 'put', NEW.id, synchronous FROM pragma_synchronous; END;
        CREATE TEMP TRIGGER seen_update AFTER UPDATE ON main.rm_docs BEGIN INSERT INTO seen SELECT 'put', NEW.id, synchronous FROM pragma_synchronous; END;
        CREATE TEMP TRIGGER seen_delete AFTER DELETE ON main.rm_docs BEGIN INSERT INTO seen SELECT 'delete', OLD.id, synchronous FROM pragma_synchronous; END;`);
      await store.put('config', 'endpoints', { _id: 'e1', pos: 0 }, { durable: true });
      await store.put('config', 'deliveries', { _id: 'd1', pos: 0 });
      // One group commit holding a durable put commits FULL as a whole.
      await Promise.all([store.put('config', 'deliveries', { _id: 'd2', pos: 0 }), store.put('config', 'endpoints', { _id: 'e2', pos: 0 }, { durable: true })]);
      await store.delete('config', 'deliveries', 'd1');
      await store.delete('config', 'endpoints', 'e1', { durable: true });
      await store.put('config', 'deliveries', { _id: 'd3', pos: 0 });
      expect(db.prepare('SELECT what, id, synchronous FROM seen ORDER BY rowid').all()).toEqual([
        { what: 'put', id: 'e1', synchronous: 2 },
        { what: 'put', id: 'd1', synchronous: 1 },
        { what: 'put', id: 'd2', synchronous: 2 },
        { what: 'put', id: 'e2', synchronous: 2 },
        { what: 'delete', id: 'd1', synchronous: 1 },
        { what: 'delete', id: 'e1', synchronous: 2 },
        { what: 'put', id: 'd3', synchronous: 1 },
      ]);
      expect(db.pragma('synchronous', { simple: true })).toBe(1);
      expect(await store.get('config', 'endpoints', 'e2')).toEqual({ _id: 'e2', pos: 0 });
      expect(await store.get('config', 'endpoints', 'e1')).toBeNull();
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
