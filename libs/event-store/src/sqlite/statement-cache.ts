import type Database from 'better-sqlite3';

/**
 * Prepared statements by SQL text, for the SQLite adapters (event store, read store): preparing on
 * every call was a tenth of the engine's CPU under load. The texts are few (queries vary in shape
 * only), and the cache is bounded so a caller with ever-new shapes cannot grow it forever.
 */
export class StatementCache {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly max = 256,
  ) {}

  get(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      if (this.statements.size >= this.max) this.statements.clear();
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}
