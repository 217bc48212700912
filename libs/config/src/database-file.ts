import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** The embedded SQLite file in DATA_DIR: events, read models, leases and the webhook queue share it. */
export const DATABASE_FILE = 'partner-ledger.db';

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

/** Where the embedded adapters open their SQLite file; creates DATA_DIR unless `mustExist`. */
export function databaseFile(dataDir: string, options: DatabaseFileOptions = {}): string {
  const file = join(dataDir, DATABASE_FILE);
  if (options.mustExist) {
    if (!existsSync(file)) throw new MissingDatabaseError(file);
  } else {
    mkdirSync(dataDir, { recursive: true });
  }
  return file;
}
