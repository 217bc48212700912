import Database from 'better-sqlite3';
import type { LeaseRecord, LeaseStore } from './lease.port.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS leases (
  name       TEXT    PRIMARY KEY,
  holder     TEXT    NOT NULL,
  token      INTEGER NOT NULL,
  version    INTEGER NOT NULL,
  ttl_ms     INTEGER NOT NULL,
  renewed_at INTEGER NOT NULL,
  released   INTEGER NOT NULL
) WITHOUT ROWID;
`;

interface Row {
  name: string;
  holder: string;
  token: number;
  version: number;
  ttl_ms: number;
  renewed_at: number;
  released: number;
}

const toRecord = (row: Row | undefined): LeaseRecord | null =>
  row ? { name: row.name, holder: row.holder, token: row.token, version: row.version, ttlMs: row.ttl_ms, renewedAt: new Date(row.renewed_at), released: row.released === 1 } : null;

/**
 * Leases in the SQLite file the other roles share (processes on one machine). Each operation is one
 * statement, so SQLite's write lock makes the compare-and-set atomic across connections.
 */
export class SqliteLeaseStore implements LeaseStore {
  readonly kind = 'sqlite' as const;
  private closed = false;

  static open(filename: string): SqliteLeaseStore {
    return new SqliteLeaseStore(new Database(filename), true);
  }

  static onDatabase(db: Database.Database): SqliteLeaseStore {
    return new SqliteLeaseStore(db, false);
  }

  private constructor(
    private readonly db: Database.Database,
    private readonly ownsDb: boolean,
  ) {
    if (ownsDb) {
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
    }
    db.exec(SCHEMA);
  }

  /** Numbers as numbers even on a connection shared with the event store, which turns on safe integers. */
  private sql(text: string) {
    return this.db.prepare(text).safeIntegers(false);
  }

  async read(name: string): Promise<LeaseRecord | null> {
    return toRecord(this.sql('SELECT * FROM leases WHERE name = ?').get(name) as Row | undefined);
  }

  async acquire(name: string, holder: string, seenVersion: number | null, ttlMs: number): Promise<LeaseRecord | null> {
    const now = Date.now();
    if (seenVersion === null) {
      const insert = this.sql(
        `INSERT INTO leases (name, holder, token, version, ttl_ms, renewed_at, released) VALUES (?, ?, 1, 1, ?, ?, 0)
         ON CONFLICT (name) DO NOTHING RETURNING *`,
      );
      return toRecord(insert.get(name, holder, ttlMs, now) as Row | undefined);
    }
    const takeOver = this.sql(
      `UPDATE leases SET holder = ?, token = token + 1, version = version + 1, ttl_ms = ?, renewed_at = ?, released = 0
       WHERE name = ? AND version = ? RETURNING *`,
    );
    return toRecord(takeOver.get(holder, ttlMs, now, name, seenVersion) as Row | undefined);
  }

  async renew(name: string, holder: string, token: number): Promise<LeaseRecord | null> {
    const renew = this.sql('UPDATE leases SET version = version + 1, renewed_at = ? WHERE name = ? AND holder = ? AND token = ? AND released = 0 RETURNING *');
    return toRecord(renew.get(Date.now(), name, holder, token) as Row | undefined);
  }

  async release(name: string, holder: string, token: number): Promise<boolean> {
    const release = this.sql('UPDATE leases SET version = version + 1, renewed_at = ?, released = 1 WHERE name = ? AND holder = ? AND token = ? AND released = 0');
    return release.run(Date.now(), name, holder, token).changes === 1;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsDb) this.db.close();
  }
}
