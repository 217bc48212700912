import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

/*
 * Lives in config beside the write lock, for the same reason: the three SQLite adapters (event
 * store, read store, queue) use it and config is the one lib below them all.
 */

/**
 * SQLite copies the WAL's pages back into the database file (a checkpoint, with an fsync of that
 * file) inside whichever commit finds the WAL past 1,000 pages: that commit, and the thread that
 * made it, stall for the copy. Profiled in the bench's delivery scenario, a delivery worker spent
 * 18 % of its time in commits of its delivery log, most of it in those checkpoints, while the
 * machine's other core sat partly idle. Connections handed to `checkpointInBackground` leave the
 * checkpoints to a thread of this process with a connection of its own, which runs a PASSIVE
 * checkpoint (it never blocks a reader or a writer) every CHECKPOINT_INTERVAL_MS.
 *
 * Durability does not change: a commit is as durable as its connection's `synchronous` makes it
 * before any checkpoint; a checkpoint only moves committed pages, syncing the database file as
 * SQLite always does. Should the thread fall behind or die, a connection still checkpoints by
 * itself once the WAL holds BACKSTOP_PAGES.
 */
export const CHECKPOINT_INTERVAL_MS = 100;
/** Past this many WAL pages (40 MB) a connection checkpoints inline, as SQLite does at 1,000. */
export const BACKSTOP_PAGES = 10_000;
/** SQLite's own default, given back if the thread cannot run. */
const SQLITE_DEFAULT_PAGES = 1_000;
/** The longest the last connection's close waits for the thread's last checkpoint. */
const STOP_WAIT_MS = 5_000;
/** The thread's states, in `Checkpointer.state`: each moves only forwards. */
const STARTING = 0;
const OPEN = 1;
const STOP_BEFORE_OPEN = 2;
const STOPPED = 3;

interface Checkpointer {
  worker: Worker;
  connections: Set<Database.Database>;
  /** STARTING, OPEN, STOP_BEFORE_OPEN or STOPPED, shared with the thread. */
  state: Int32Array;
}

/** One thread per database file and per thread of ours that opened it. */
const checkpointers = new Map<string, Checkpointer>();
const REGISTERED = Symbol('checkpointInBackground');
const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/**
 * The thread's whole program (plain JavaScript, so that it runs the same from the TypeScript
 * sources in tests and from the build). It names itself `pl-checkpoint` where Linux lets it, after
 * telemetry's `nameThisThread` convention, which config cannot import (the engine's per-thread CPU
 * metric then shows its share), and checkpoints once more on its way out. It opens its connection
 * only if no close has come first (STARTING to OPEN), and marks STOPPED once that connection is
 * closed or could not be opened, for the close that waits on it.
 */
const PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
try { require('node:fs').writeFileSync('/proc/thread-self/comm', 'pl-checkpoint'); } catch {}
const state = new Int32Array(workerData.state);
const stopped = () => { Atomics.store(state, 0, ${STOPPED}); Atomics.notify(state, 0); };
if (Atomics.compareExchange(state, 0, ${STARTING}, ${OPEN}) === ${STARTING}) run();
else stopped();
function run() {
  let db;
  try {
    const Database = require(workerData.driver);
    db = new Database(workerData.file, { fileMustExist: true });
  } catch (error) {
    stopped();
    throw error;
  }
  db.pragma('synchronous = FULL');
  const checkpoint = () => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Another checkpoint running (SQLITE_BUSY), a full disk: the next tick tries again, and the
      // connections' backstop bounds the WAL meanwhile.
    }
  };
  const timer = setInterval(checkpoint, workerData.intervalMs);
  parentPort.on('message', () => {
    clearInterval(timer);
    checkpoint();
    db.close();
    stopped();
    parentPort.close();
  });
}
`;

/**
 * Hands `db`'s checkpoints to this process's checkpoint thread for its file (started on first use,
 * stopped when the last connection handed over closes). That close keeps a thread still starting
 * from opening the file, or waits (a few milliseconds, at most STOP_WAIT_MS) for an open one to
 * close its connection first, so that the caller's close is the file's last, as it was before the
 * thread: SQLite checkpoints and removes the WAL inside it, and no file of the database changes
 * after it returns. (Without this, a thread opening or closing late raced a test removing its
 * directory: ENOTEMPTY.) A connection to `:memory:` or a temporary
 * database has no WAL and is left as it is; handing the same connection over twice does nothing.
 */
export function checkpointInBackground(db: Database.Database): Database.Database {
  if (db.memory || db.name === '' || REGISTERED in db) return db;
  Object.defineProperty(db, REGISTERED, { value: true });
  const file = resolve(db.name);
  let checkpointer = checkpointers.get(file);
  if (!checkpointer) {
    const state = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(PROGRAM, { eval: true, workerData: { driver, file, intervalMs: CHECKPOINT_INTERVAL_MS, state: state.buffer } });
    // Never what keeps a process alive: its connections' owners close them, or the process ends.
    worker.unref();
    const started: Checkpointer = { worker, connections: new Set(), state };
    const giveBack = () => {
      if (checkpointers.get(file) === started) checkpointers.delete(file);
      for (const connection of started.connections) if (connection.open) connection.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_PAGES}`);
    };
    // A thread that cannot run (no worker threads, a driver that will not load there) leaves each
    // connection checkpointing by itself, as if it had never been handed over.
    worker.once('error', giveBack);
    worker.once('exit', giveBack);
    checkpointer = started;
    checkpointers.set(file, checkpointer);
  }
  checkpointer.connections.add(db);
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const close = db.close.bind(db);
  const owner = checkpointer;
  Object.defineProperty(db, 'close', {
    value: () => {
      owner.connections.delete(db);
      if (owner.connections.size === 0 && checkpointers.get(file) === owner) {
        checkpointers.delete(file);
        // A thread still starting never opens the file; an open one is waited for.
        if (Atomics.compareExchange(owner.state, 0, STARTING, STOP_BEFORE_OPEN) === OPEN) {
          owner.worker.postMessage('stop');
          Atomics.wait(owner.state, 0, OPEN, STOP_WAIT_MS);
        }
      }
      return close();
    },
  });
  return db;
}

/** The files this thread's checkpoint threads serve now (for tests and diagnostics). */
export function checkpointedFiles(): string[] {
  return [...checkpointers.keys()];
}
