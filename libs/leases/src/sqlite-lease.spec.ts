import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leaseStoreContract } from './contract/lease.contract.js';
import { SqliteLeaseStore } from './sqlite-lease.js';

leaseStoreContract('sqlite :memory:', async () => {
  const db = new Database(':memory:');
  const a = SqliteLeaseStore.onDatabase(db);
  const b = SqliteLeaseStore.onDatabase(db);
  return {
    a,
    b,
    cleanup: async () => {
      db.close();
    },
  };
});

// Two connections to one WAL file: what two processes on one machine have.
leaseStoreContract('sqlite file, two connections', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pl-lease-'));
  const file = join(dir, 'leases.db');
  const a = SqliteLeaseStore.open(file);
  const b = SqliteLeaseStore.open(file);
  return {
    a,
    b,
    cleanup: async () => {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
