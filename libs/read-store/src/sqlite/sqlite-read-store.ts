import Database from 'better-sqlite3';
import { StatementCache } from '@partner-ledger/event-store';
import { checkpointInBackground, lockWrites } from '@partner-ledger/config';
import type { Checkpoint, DocumentWrite, IndexSpec, ProjectionCommit, Query, ReadStore, Scalar, StoredDoc, WriteOptions } from '../read-store.port.js';
import { assertField, assertIndexName, DEFAULT_NAMESPACE, sortKeysOf } from '../query.js';

/**
 * Documents live in a rowid table with a unique index on their key. They were first a WITHOUT
 * ROWID table keyed by it, but SQLite keeps at most ≈ 1 KB of a row in such a table's pages and
 * spills the rest to overflow pages, and our documents (delivery logs, conversions) are often
 * larger: every write and read then touched two or more pages. A rowid table keeps up to ≈ 4 KB
 * in the leaf page.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS rm_docs (
  ns         TEXT    NOT NULL,
  collection TEXT    NOT NULL,
  id         TEXT    NOT NULL,
  pos        INTEGER NOT NULL,
  doc        TEXT    NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS rm_docs_key ON rm_docs (ns, collection, id);
CREATE TABLE IF NOT EXISTS rm_checkpoints (
  ns         TEXT    NOT NULL,
  projection TEXT    NOT NULL,
  position   INTEGER,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (ns, projection)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rm_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;

interface QueuedPut {
  namespace: string;
  collection: string;
  id: string;
  pos: number | bigint;
  json: string;
  durable: boolean;
  done: () => void;
  fail: (error: unknown) => void;
}

/**
 * Read models, configuration and logs in a SQLite file (the embedded engine's state file, beside
 * the events' file). A batch's documents and its checkpoint go in one transaction, so a crash
 * leaves either all of the batch or none of it.
 * Documents are JSON; queries reach into them with json_extract on validated field paths.
 */
export class SqliteReadStore implements ReadStore {
  readonly kind = 'sqlite' as const;
  private readonly prepared: StatementCache;
  private readonly putAll;
  /** Built once: `db.transaction()` makes a new wrapper (with its four variants) on every call. */
  private readonly commitTx;
  /** Puts not yet written (see `put`). */
  private puts: QueuedPut[] = [];
  /** `ns \0 collection \0 id` of the queued puts: a point read of another document need not wait. */
  private readonly queuedKeys = new Set<string>();
  private closed = false;

  static open(filename: string): SqliteReadStore {
    return new SqliteReadStore(new Database(filename), true);
  }

  static onDatabase(db: Database.Database): SqliteReadStore {
    return new SqliteReadStore(db, false);
  }

  private constructor(
    private readonly db: Database.Database,
    private readonly ownsDb: boolean,
  ) {
    lockWrites(db);
    this.prepared = new StatementCache(db);
    db.pragma('journal_mode = WAL');
    checkpointInBackground(db);
    // Read models can be rebuilt from the log and delivery logs are advisory, so this connection
    // skips the per-commit fsync (WAL + NORMAL still survives a process crash); a durable write
    // (`WriteOptions`) commits FULL, and so do the event store and the SQLite queue.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    migrateWithoutRowidDocs(db);
    db.exec(SCHEMA);
    this.putAll = db.transaction((puts: QueuedPut[]) => {
      const upsert = this.prepared.get(
        `INSERT INTO rm_docs (ns, collection, id, pos, doc) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (ns, collection, id) DO UPDATE SET pos = excluded.pos, doc = excluded.doc`,
      );
      for (const p of puts) upsert.run(p.namespace, p.collection, p.id, p.pos, p.json);
    });
    this.commitTx = db.transaction((namespace: string, commits: readonly ProjectionCommit[], now: number) => {
      const upsert = this.prepared.get(
        `INSERT INTO rm_docs (ns, collection, id, pos, doc) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (ns, collection, id) DO UPDATE SET pos = excluded.pos, doc = excluded.doc WHERE excluded.pos > rm_docs.pos`,
      );
      const remove = this.prepared.get('DELETE FROM rm_docs WHERE ns = ? AND collection = ? AND id = ? AND pos < ?');
      const checkpoint = this.prepared.get(
        `INSERT INTO rm_checkpoints (ns, projection, position, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (ns, projection) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
      );
      for (const { projection, writes, position } of commits) {
        for (const { collection, doc, remove: removed } of inKeyOrder(writes)) {
          if (removed) remove.run(namespace, collection, doc._id, doc.pos);
          else upsert.run(namespace, collection, doc._id, doc.pos, JSON.stringify(doc));
        }
        checkpoint.run(namespace, projection, position, now);
      }
    });
  }

  /**
   * Writes the queued puts in one transaction and answers them. Every other method calls it first
   * (point reads and deletes only when a queued put is for their document), synchronously, so
   * whatever a caller reads or writes next sees the puts requested before it.
   */
  private writePuts(): void {
    const batch = this.puts;
    if (batch.length === 0) return;
    this.puts = [];
    this.queuedKeys.clear();
    try {
      if (batch.some((p) => p.durable)) this.durably(() => this.putAll.immediate(batch));
      else this.putAll.immediate(batch);
    } catch (error) {
      for (const p of batch) p.fail(error);
      return;
    }
    for (const p of batch) p.done();
  }

  async activeNamespace(): Promise<string> {
    this.writePuts();
    const row = this.prepared.get("SELECT value FROM rm_meta WHERE key = 'active'").get() as { value: string } | undefined;
    return row?.value ?? DEFAULT_NAMESPACE;
  }

  async activate(namespace: string): Promise<void> {
    this.writePuts();
    this.prepared.get("INSERT INTO rm_meta (key, value) VALUES ('active', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(namespace);
  }

  async dropNamespace(namespace: string): Promise<void> {
    this.writePuts();
    if (namespace === (await this.activeNamespace())) throw new Error(`refusing to drop the active namespace ${namespace}`);
    this.db.transaction(() => {
      this.prepared.get('DELETE FROM rm_docs WHERE ns = ?').run(namespace);
      this.prepared.get('DELETE FROM rm_checkpoints WHERE ns = ?').run(namespace);
    })();
  }

  async listNamespaces(): Promise<string[]> {
    this.writePuts();
    const rows = this.prepared.get('SELECT ns FROM rm_checkpoints UNION SELECT DISTINCT ns FROM rm_docs ORDER BY 1').all() as { ns: string }[];
    return rows.map((r) => r.ns);
  }

  async getCheckpoint(namespace: string, projection: string): Promise<Checkpoint> {
    this.writePuts();
    const row = this.prepared.get('SELECT position, updated_at FROM rm_checkpoints WHERE ns = ? AND projection = ?').safeIntegers(true).get(namespace, projection) as
      { position: bigint | null; updated_at: bigint } | undefined;
    return row ? { position: row.position, updatedAt: new Date(Number(row.updated_at)) } : { position: null, updatedAt: new Date(0) };
  }

  async getMany(namespace: string, collection: string, ids: string[]): Promise<Map<string, StoredDoc>> {
    if (ids.some((id) => this.queuedKeys.has(keyOf(namespace, collection, id)))) this.writePuts();
    const out = new Map<string, StoredDoc>();
    const stmt = this.prepared.get('SELECT doc FROM rm_docs WHERE ns = ? AND collection = ? AND id = ?');
    for (const id of new Set(ids)) {
      const row = stmt.get(namespace, collection, id) as { doc: string } | undefined;
      if (row) out.set(id, JSON.parse(row.doc));
    }
    return out;
  }

  async commit(namespace: string, projection: string, writes: DocumentWrite[], position: bigint): Promise<void> {
    return this.commitAll(namespace, [{ projection, writes, position }]);
  }

  async commitAll(namespace: string, commits: readonly ProjectionCommit[]): Promise<void> {
    this.writePuts();
    this.assertOpen();
    this.commitTx.immediate(namespace, commits, Date.now());
  }

  /**
   * Group commit: the puts requested in one turn of the event loop (the delivery worker logs every
   * attempt) are written together at the next turn, one commit instead of one each; each resolves
   * once written. The document is serialized now, so a caller changing it afterwards changes nothing.
   */
  put(namespace: string, collection: string, doc: StoredDoc, options: WriteOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(new Error('read store is closed'));
    const json = JSON.stringify(doc);
    const durable = options.durable === true;
    return new Promise((done, fail) => {
      if (this.puts.push({ namespace, collection, id: doc._id, pos: doc.pos, json, durable, done, fail }) === 1) setImmediate(() => this.writePuts());
      this.queuedKeys.add(keyOf(namespace, collection, doc._id));
    });
  }

  /** One statement, so SQLite's write lock makes the compare and the set one step across connections. */
  async replaceIf(namespace: string, collection: string, doc: StoredDoc, expectedPos: number | null): Promise<boolean> {
    if (this.queuedKeys.has(keyOf(namespace, collection, doc._id))) this.writePuts();
    this.assertOpen();
    const json = JSON.stringify(doc);
    const info =
      expectedPos === null
        ? this.prepared
            .get('INSERT INTO rm_docs (ns, collection, id, pos, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (ns, collection, id) DO NOTHING')
            .run(namespace, collection, doc._id, doc.pos, json)
        : this.prepared.get('UPDATE rm_docs SET pos = ?, doc = ? WHERE ns = ? AND collection = ? AND id = ? AND pos = ?').run(doc.pos, json, namespace, collection, doc._id, expectedPos);
    return info.changes === 1;
  }

  async delete(namespace: string, collection: string, id: string, options: WriteOptions = {}): Promise<boolean> {
    if (this.queuedKeys.has(keyOf(namespace, collection, id))) this.writePuts();
    this.assertOpen();
    const remove = () => this.prepared.get('DELETE FROM rm_docs WHERE ns = ? AND collection = ? AND id = ?').run(namespace, collection, id).changes > 0;
    return options.durable ? this.durably(remove) : remove();
  }

  /**
   * Runs `write` (one transaction or one statement) committing with `synchronous = FULL`: its
   * commit fsyncs the WAL, and with it every commit before it on this file. The setting is the
   * connection's, so it goes back to NORMAL at once; nothing else runs on this connection between
   * the two (one thread, synchronous calls).
   */
  private durably<T>(write: () => T): T {
    this.db.pragma('synchronous = FULL');
    try {
      return write();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  async get(namespace: string, collection: string, id: string): Promise<StoredDoc | null> {
    if (this.queuedKeys.has(keyOf(namespace, collection, id))) this.writePuts();
    const row = this.prepared.get('SELECT doc FROM rm_docs WHERE ns = ? AND collection = ? AND id = ?').get(namespace, collection, id) as { doc: string } | undefined;
    return row ? JSON.parse(row.doc) : null;
  }

  /**
   * A partial index over this namespace's and collection's rows only (other documents cost it
   * nothing), on the same json_extract expressions `find` writes, so the planner matches them.
   * SQLite re-plans a statement for the bound ns and collection, so `find` needs no literals.
   */
  async ensureIndex(namespace: string, collection: string, index: IndexSpec): Promise<void> {
    this.writePuts();
    const columns = [...index.fields.map((k) => `${fieldExpr(k.field)} ${k.direction === 'asc' ? 'ASC' : 'DESC'}`), 'id ASC'];
    const name = `rm_ix_${literal(namespace).slice(1, -1)}_${literal(collection).slice(1, -1)}_${assertIndexName(index.name)}`;
    this.db.exec(`CREATE INDEX IF NOT EXISTS "${name.replaceAll('"', '""')}" ON rm_docs (${columns.join(', ')}) WHERE ns = ${literal(namespace)} AND collection = ${literal(collection)}`);
  }

  async find(namespace: string, collection: string, query: Query): Promise<StoredDoc[]> {
    this.writePuts();
    const where = ['ns = ?', 'collection = ?'];
    const params: unknown[] = [namespace, collection];
    const expr = fieldExpr;
    for (const [field, value] of Object.entries(query.where ?? {})) {
      if (value === null) where.push(`${expr(field)} IS NULL`);
      else {
        where.push(`${expr(field)} = ?`);
        params.push(bind(value));
      }
    }
    if (query.range) {
      if (query.range.gte !== undefined) {
        where.push(`${expr(query.range.field)} >= ?`);
        params.push(bind(query.range.gte));
      }
      if (query.range.lt !== undefined) {
        where.push(`${expr(query.range.field)} < ?`);
        params.push(bind(query.range.lt));
      }
    }
    const keys = sortKeysOf(query);
    if (query.after) {
      // Keyset: (k1, k2, …) strictly after the cursor in the sort order, key by key.
      const alternatives: string[] = [];
      for (let i = 0; i < keys.length; i++) {
        const parts: string[] = [];
        for (let j = 0; j < i; j++) {
          parts.push(`${expr(keys[j].field)} = ?`);
          params.push(bind(query.after[j] ?? null));
        }
        parts.push(`${expr(keys[i].field)} ${keys[i].direction === 'asc' ? '>' : '<'} ?`);
        params.push(bind(query.after[i] ?? null));
        alternatives.push(`(${parts.join(' AND ')})`);
      }
      where.push(`(${alternatives.join(' OR ')})`);
      // Implied by the alternatives, but a plain bound the planner can start an index range at
      // (the OR alone makes it read the index from the start of the equality prefix).
      if (query.after[0] !== undefined && query.after[0] !== null) {
        where.push(`${expr(keys[0].field)} ${keys[0].direction === 'asc' ? '>=' : '<='} ?`);
        params.push(bind(query.after[0]));
      }
    }
    const order = keys.map((k) => `${expr(k.field)} ${k.direction === 'asc' ? 'ASC' : 'DESC'}`).join(', ');
    params.push(query.limit);
    const rows = this.prepared.get(`SELECT doc FROM rm_docs WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`).all(...params) as { doc: string }[];
    return rows.map((r) => JSON.parse(r.doc));
  }

  async count(namespace: string, collection: string): Promise<number> {
    this.writePuts();
    const row = this.prepared.get('SELECT COUNT(*) AS n FROM rm_docs WHERE ns = ? AND collection = ?').get(namespace, collection) as { n: number | bigint };
    return Number(row.n);
  }

  async *all(namespace: string, collection: string): AsyncIterable<StoredDoc> {
    let after = '';
    for (;;) {
      this.writePuts();
      const rows = this.prepared.get('SELECT id, doc FROM rm_docs WHERE ns = ? AND collection = ? AND id > ? ORDER BY id LIMIT 500').all(namespace, collection, after) as {
        id: string;
        doc: string;
      }[];
      if (rows.length === 0) return;
      for (const row of rows) yield JSON.parse(row.doc);
      after = rows[rows.length - 1].id;
    }
  }

  async ping(): Promise<void> {
    this.writePuts();
    this.prepared.get('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.writePuts();
    this.closed = true;
    if (this.ownsDb) this.db.close();
  }

  private assertOpen() {
    if (this.closed) throw new Error('read store is closed');
  }
}

/** Files written before the layout change: copy rm_docs into the rowid layout, in one transaction. */
function migrateWithoutRowidDocs(db: Database.Database): void {
  const table = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'rm_docs'").get() as { sql: string } | undefined;
  if (!table || !/WITHOUT\s+ROWID/i.test(table.sql)) return;
  db.transaction(() => {
    // Another process may have migrated it between the check and this write lock.
    const again = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'rm_docs'").get() as { sql: string };
    if (!/WITHOUT\s+ROWID/i.test(again.sql)) return;
    db.exec(`ALTER TABLE rm_docs RENAME TO rm_docs_without_rowid;
      ${SCHEMA}
      INSERT INTO rm_docs (ns, collection, id, pos, doc) SELECT ns, collection, id, pos, doc FROM rm_docs_without_rowid;
      DROP TABLE rm_docs_without_rowid;`);
  }).immediate();
}

function fieldExpr(field: string): string {
  return field === '_id' ? 'id' : `json_extract(doc, '$.${assertField(field)}')`;
}

/** A namespace or collection name as an SQL string literal (a partial index's WHERE takes no parameters). */
function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function keyOf(namespace: string, collection: string, id: string): string {
  return `${namespace}\u0000${collection}\u0000${id}`;
}

/** better-sqlite3 binds no booleans; JSON booleans read back through json_extract as 1/0. */
function bind(value: Scalar): unknown {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

/**
 * A commit's writes in the order of the documents' key index (collection, then id), so that its
 * B-tree is walked once from left to right instead of at random: a rebuild's flush of 27k
 * documents with random ids took 8.4-8.8 s against 9.5-9.9 s in arrival order (three alternated
 * runs). Writes to one document keep their order (the sort is stable); writes to different ones
 * are independent, each guarded by its own `pos`. JavaScript's order of strings differs from
 * SQLite's byte order only for characters beyond U+FFFF, which costs locality, not correctness.
 */
function inKeyOrder(writes: DocumentWrite[]): DocumentWrite[] {
  if (writes.length < 2) return writes;
  return [...writes].sort((a, b) => compareKeys(a.collection, b.collection) || compareKeys(a.doc._id, b.doc._id));
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
