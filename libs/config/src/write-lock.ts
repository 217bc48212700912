import type Database from 'better-sqlite3';
import { threadId } from 'node:worker_threads';

/*
 * Lives in config, the one lib below the three SQLite adapters (event store, read store, queue)
 * that take it, though it configures nothing.
 */

/**
 * One SQLite file, several threads of one process writing it (the engine's webhook threads beside
 * its main thread, WEBHOOK_THREADS): SQLite lets one writer in at a time and makes the others
 * wait by sleeping and retrying (1, 2, 5, 10 … 25 ms; busy_timeout). Measured under the bench's
 * 500 commands/s, the delivery thread slept over half its time and the main thread's commands
 * stalled for up to 10 ms behind a sleep, while each transaction holds the lock for well under a
 * millisecond. So the threads take turns on a lock of their own first, in shared memory: a waiter
 * is woken the moment the holder is done (Atomics.wait/notify) instead of at its next retry.
 * SQLite's own locking stays in force under it (other processes on the file, a stale lock).
 */
const lock = { word: new Int32Array(new SharedArrayBuffer(4)) };
/** Nested write transactions of this thread (on other connections) take the lock once. */
let depth = 0;
/** A holder that takes longer has died holding it (a terminated thread): the waiter takes it over. */
const STALE_AFTER_MS = 2_000;
/** The lock word holds 0 (free) or the holder's threadId + 1. */
const me = threadId + 1;

/** The lock's memory, for the threads this one starts (they call adoptWriteLock with it). */
export function writeLockMemory(): SharedArrayBuffer {
  return lock.word.buffer as SharedArrayBuffer;
}

/** In a worker thread, before it opens a store: share the lock of the thread that started it. */
export function adoptWriteLock(memory: SharedArrayBuffer): void {
  lock.word = new Int32Array(memory);
}

export function withWriteLock<T>(write: () => T): T {
  if (depth > 0) {
    depth++;
    try {
      return write();
    } finally {
      depth--;
    }
  }
  acquire();
  depth = 1;
  try {
    return write();
  } finally {
    depth = 0;
    release();
  }
}

function acquire(): void {
  const word = lock.word;
  const staleAt = Date.now() + STALE_AFTER_MS;
  for (;;) {
    const holder = Atomics.compareExchange(word, 0, 0, me);
    if (holder === 0) return;
    const left = staleAt - Date.now();
    if (left <= 0) {
      if (Atomics.compareExchange(word, 0, holder, me) === holder) return;
      continue;
    }
    Atomics.wait(word, 0, holder, left);
  }
}

function release(): void {
  // Not ours any more when a waiter took it over as stale: then leave it to that one.
  if (Atomics.compareExchange(lock.word, 0, me, 0) === me) Atomics.notify(lock.word, 0, 1);
}

const LOCKED = Symbol('partner-ledger.write-lock');

/**
 * Makes the connection's write transactions (`.immediate()`, `.exclusive()`: how every adapter
 * writes) take the write lock above for as long as they run; reads (`.deferred()`, plain
 * statements) do not. better-sqlite3's transaction functions are frozen, so `db.transaction`
 * answers a function of the same shape around them.
 */
export function lockWrites(db: Database.Database): Database.Database {
  if (LOCKED in db) return db;
  const transaction = db.transaction.bind(db);
  const locked = ((fn: (...args: unknown[]) => unknown) => {
    const tx = transaction(fn);
    const wrapped = (...args: unknown[]) => tx(...args);
    return Object.assign(wrapped, {
      default: tx.default,
      deferred: tx.deferred,
      immediate: (...args: unknown[]) => withWriteLock(() => tx.immediate(...args)),
      exclusive: (...args: unknown[]) => withWriteLock(() => tx.exclusive(...args)),
      database: db,
    });
  }) as Database.Database['transaction'];
  Object.defineProperty(db, 'transaction', { value: locked });
  Object.defineProperty(db, LOCKED, { value: true });
  return db;
}
