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
 *
 * One lock per file: the engine writes two (database-file.ts), and a commit to one never waits for
 * a commit to the other. A file's lock is found by a hash of its path in a small table in the same
 * shared memory, so every thread finds the same one.
 *
 * Beside each lock, its counters, one row per thread (`slot`: 0 the main thread, N the engine's
 * webhook thread N): how often it took the lock, how long it waited for it, how long it held it.
 * Each row is written by its own thread only; any thread reads them all (`writeLockStats`, the
 * engine's /metrics). Every write transaction holds its file's lock through its commit's fsync, so
 * how busy a lock is, and how long each thread waits for it, is where one thread's writes show up
 * in another's latency: measured, not guessed.
 */
const LOCKS = 8;
const SLOTS = 16;
const STATS_FIELDS = 3;
const newMemory = () => new SharedArrayBuffer(8 * LOCKS + LOCKS * SLOTS * STATS_FIELDS * Float64Array.BYTES_PER_ELEMENT);
const viewsOf = (memory: SharedArrayBuffer) => ({
  /** Each lock's file, as the hash of its path (0: unused). */
  keys: new Int32Array(memory, 0, LOCKS),
  /** Each lock's word: 0 (free) or the holder's threadId + 1. */
  words: new Int32Array(memory, 4 * LOCKS, LOCKS),
  stats: new Float64Array(memory, 8 * LOCKS, LOCKS * SLOTS * STATS_FIELDS),
});
const lock = { ...viewsOf(newMemory()), slot: 0 };
/** This thread's lock of each file it writes, and the file of each (for the counters' names). */
const indexOfFile = new Map<string, number>();
const fileOfIndex = new Map<number, string>();
/** Nested write transactions of this thread (on other connections to the file) take its lock once. */
const depth = new Int32Array(LOCKS);
/** A holder that takes longer has died holding it (a terminated thread): the waiter takes it over. */
const STALE_AFTER_MS = 2_000;
const me = threadId + 1;
/** The lock of `withWriteLock` called without a file. */
const NO_FILE = '';

/** The lock's memory, for the threads this one starts (they call adoptWriteLock with it). */
export function writeLockMemory(): SharedArrayBuffer {
  return lock.words.buffer as SharedArrayBuffer;
}

/**
 * In a worker thread, before it opens a store: share the locks of the thread that started it.
 * `slot`: the thread's row of the counters (1 … 15; a later thread shares the last row).
 */
export function adoptWriteLock(memory: SharedArrayBuffer, slot: number): void {
  // Another thread's table: the files' places in it are found again.
  if (memory !== lock.words.buffer) {
    Object.assign(lock, viewsOf(memory));
    indexOfFile.clear();
    fileOfIndex.clear();
  }
  lock.slot = Math.max(0, Math.min(SLOTS - 1, Math.floor(slot)));
}

/** FNV-1a of the path, never 0 (an unused entry). */
function keyOf(file: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < file.length; i++) h = Math.imul(h ^ file.charCodeAt(i), 0x01000193);
  return h | 0 || 1;
}

/** The file's lock: its entry in the shared table, claimed by the first thread that writes it. */
function lockOf(file: string): number {
  let index = indexOfFile.get(file);
  if (index !== undefined) return index;
  const key = keyOf(file);
  // With every entry taken by other files (more than LOCKS of them), the last is shared: still one writer at a time.
  index = LOCKS - 1;
  for (let probe = 0; probe < LOCKS; probe++) {
    const at = ((key >>> 0) + probe) % LOCKS;
    const found = Atomics.compareExchange(lock.keys, at, 0, key);
    if (found === 0 || found === key) {
      index = at;
      break;
    }
  }
  indexOfFile.set(file, index);
  fileOfIndex.set(index, file);
  return index;
}

/**
 * Where the lock of `file` (none: `withWriteLock`'s own) is in `writeLockMemory()`, as an index of
 * an Int32Array over all of it: for a thread that holds it by hand (the specs).
 */
export function writeLockWordIndex(file: string = NO_FILE): number {
  return LOCKS + lockOf(file);
}

/** One thread's use of one file's write lock so far, in seconds. */
export interface WriteLockUse {
  /** The file's name (its last path segment); '' for writes that named none. */
  file: string;
  /** 0: the thread that made the locks (the engine's main thread); N: the one that adopted them with slot N. */
  slot: number;
  acquisitions: number;
  waitSeconds: number;
  heldSeconds: number;
}

/** The use of every lock this thread has written through, by every thread that took it at least once. */
export function writeLockStats(): WriteLockUse[] {
  const uses: WriteLockUse[] = [];
  for (const [index, path] of fileOfIndex) {
    const file = path.split(/[\\/]/).at(-1) ?? path;
    for (let slot = 0; slot < SLOTS; slot++) {
      const row = (index * SLOTS + slot) * STATS_FIELDS;
      const acquisitions = lock.stats[row];
      if (acquisitions > 0) uses.push({ file, slot, acquisitions, waitSeconds: lock.stats[row + 1], heldSeconds: lock.stats[row + 2] });
    }
  }
  return uses;
}

/** Runs `write` holding the lock of `file` (by its path; none given: a lock of its own). */
export function withWriteLock<T>(write: () => T, file: string = NO_FILE): T {
  const index = lockOf(file);
  if (depth[index] > 0) {
    depth[index]++;
    try {
      return write();
    } finally {
      depth[index]--;
    }
  }
  const asked = performance.now();
  acquire(index);
  const got = performance.now();
  depth[index] = 1;
  try {
    return write();
  } finally {
    depth[index] = 0;
    release(index);
    const row = (index * SLOTS + lock.slot) * STATS_FIELDS;
    lock.stats[row] += 1;
    lock.stats[row + 1] += (got - asked) / 1000;
    lock.stats[row + 2] += (performance.now() - got) / 1000;
  }
}

function acquire(index: number): void {
  const words = lock.words;
  const staleAt = Date.now() + STALE_AFTER_MS;
  for (;;) {
    const holder = Atomics.compareExchange(words, index, 0, me);
    if (holder === 0) return;
    const left = staleAt - Date.now();
    if (left <= 0) {
      if (Atomics.compareExchange(words, index, holder, me) === holder) return;
      continue;
    }
    Atomics.wait(words, index, holder, left);
  }
}

function release(index: number): void {
  // Not ours any more when a waiter took it over as stale: then leave it to that one.
  if (Atomics.compareExchange(lock.words, index, me, 0) === me) Atomics.notify(lock.words, index, 1);
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
  // Known by name from the start, so that this thread's counters list the file even before it writes it (another thread may).
  lockOf(db.name);
  const transaction = db.transaction.bind(db);
  const locked = ((fn: (...args: unknown[]) => unknown) => {
    const tx = transaction(fn);
    const wrapped = (...args: unknown[]) => tx(...args);
    return Object.assign(wrapped, {
      default: tx.default,
      deferred: tx.deferred,
      immediate: (...args: unknown[]) => withWriteLock(() => tx.immediate(...args), db.name),
      exclusive: (...args: unknown[]) => withWriteLock(() => tx.exclusive(...args), db.name),
      database: db,
    });
  }) as Database.Database['transaction'];
  Object.defineProperty(db, 'transaction', { value: locked });
  Object.defineProperty(db, LOCKED, { value: true });
  return db;
}
