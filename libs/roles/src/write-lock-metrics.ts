import { Counter, type Registry } from 'prom-client';
import { writeLockStats, type WriteLockUse } from '@partner-ledger/config';
import { MAIN_THREAD } from '@partner-ledger/telemetry';
import { webhookThreadName } from '@partner-ledger/webhook-threads';

/** A row of the lock's counters as the thread that writes it is named: row 0 the main thread's, row N webhook thread N's. */
export const threadOfSlot = (slot: number) => (slot === 0 ? MAIN_THREAD : webhookThreadName(slot));

/**
 * The SQLite files' write locks (config's write-lock.ts) on `/metrics`, by file and thread:
 * `sqlite_write_lock_acquisitions_total`, `sqlite_write_lock_wait_seconds_total` and
 * `sqlite_write_lock_held_seconds_total`. A file's held seconds of all threads over a window,
 * divided by its length, are how busy its lock was; a thread's wait over its own time is what the other
 * threads' commits cost it. Read from the lock's shared counters at each scrape, so a write pays
 * for no metric. Registered beside the SQLite event store's group commits (composition.ts).
 */
export function registerWriteLockMetrics(registry: Registry): void {
  const counter = (name: string, help: string, read: (u: WriteLockUse) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['file', 'thread'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const use of writeLockStats()) this.inc({ file: use.file, thread: threadOfSlot(use.slot) }, read(use));
      },
    });
  counter('sqlite_write_lock_acquisitions_total', 'Write transactions on a SQLite file that took its write lock, by file and thread', (u) => u.acquisitions);
  counter('sqlite_write_lock_wait_seconds_total', 'Time each thread waited for a SQLite file’s write lock, in seconds', (u) => u.waitSeconds);
  counter('sqlite_write_lock_held_seconds_total', 'Time each thread held a SQLite file’s write lock (its write transactions, fsync included), in seconds', (u) => u.heldSeconds);
}
