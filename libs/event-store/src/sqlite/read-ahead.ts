import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { RecordedEvent } from '../event-store.port.js';
import { type EventRow, toRecorded } from './event-row.js';
import { EVENT_COLUMNS } from './schema.js';

/*
 * A reader that goes through the whole log once (a rebuild of the read models) spent a quarter of
 * its thread reading: in a profile of the bench's 1M-event rebuild, `readAllSync` (SQLite stepping
 * through the pages and making the rows) and `toRecorded` (their JSON) took 5.8 s of 22 s, while
 * the machine's other core sat idle. Here a thread of this process with a read-only connection of
 * its own steps through the pages ahead of the caller, a few pages at most, and hands over the rows;
 * the caller's thread is left only their JSON to parse (`toRecorded`, the same as a read).
 */

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/** The most pages read ahead when the caller does not say. */
export const DEFAULT_PAGES_AHEAD = 2;

export interface ReadAheadOptions {
  /** The database file (not `:memory:`: the thread opens its own connection). */
  file: string;
  /** Events after this position (exclusive); null: from the start of the log. */
  after: bigint | null;
  pageSize: number;
  /** Pages read and not yet taken, at most (default DEFAULT_PAGES_AHEAD). */
  pagesAhead?: number;
  /** Stops the thread (its owner closes): the iteration then throws. */
  signal?: AbortSignal;
  /** Called with a promise that settles once the thread has closed its connection and ended. */
  onThread?: (ended: Promise<void>) => void;
}

/** What the thread posts: a page (the last one when shorter than the page size), or its failure. */
type Message = { rows: EventRow[] } | { error: string };

/**
 * The thread's whole program (plain JavaScript, so that it runs the same from the TypeScript
 * sources in tests and from the build). It names itself `pl-read-ahead` where Linux lets it (the
 * engine's per-thread CPU metric then shows it apart) and reads while it has credit: one page per
 * credit, the caller giving one back for each page it takes. After a short page (the end of the log
 * as it was then) or a failure it closes its connection; it ends only when told to stop, so every
 * page it posted has arrived before its 'exit' does.
 */
const PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
try { require('node:fs').writeFileSync('/proc/thread-self/comm', 'pl-read-ahead'); } catch {}
const Database = require(workerData.driver);
let db;
let page;
let credit = workerData.pagesAhead;
let from = BigInt(workerData.from);
const finish = () => {
  page = null;
  if (db && db.open) db.close();
};
const pump = () => {
  while (page && credit > 0) {
    credit -= 1;
    let rows;
    try {
      rows = page.all(from, workerData.pageSize);
    } catch (error) {
      parentPort.postMessage({ error: String((error && error.message) || error) });
      return finish();
    }
    parentPort.postMessage({ rows });
    if (rows.length < workerData.pageSize) return finish();
    from = rows[rows.length - 1].position + 1n;
  }
};
parentPort.on('message', (m) => {
  if (m !== 'stop') {
    credit += 1;
    return pump();
  }
  finish();
  parentPort.close();
});
try {
  db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  db.defaultSafeIntegers(true);
  page = db.prepare('SELECT ${EVENT_COLUMNS} FROM events WHERE position >= ? ORDER BY position ASC LIMIT ?');
  pump();
} catch (error) {
  parentPort.postMessage({ error: String((error && error.message) || error) });
  finish();
}
`;

/**
 * `$all` forwards after `after`, in pages of `pageSize`, read ahead on a thread. Each page is
 * a query of its own, as with `readAll` in a loop: it sees what was committed when it ran, so a
 * page never holds half an append and the pages join with no gap and no duplicate. The iteration
 * ends at the first short page. Leaving it early (break, throw) stops the thread, and the
 * generator's return waits until the thread has closed its connection.
 */
export async function* readAhead(options: ReadAheadOptions): AsyncGenerator<RecordedEvent[]> {
  const pagesAhead = options.pagesAhead ?? DEFAULT_PAGES_AHEAD;
  if (!Number.isInteger(pagesAhead) || pagesAhead < 1) throw new RangeError('pagesAhead must be a positive integer');
  if (options.signal?.aborted) throw closing();
  const worker = new Worker(PROGRAM, {
    eval: true,
    workerData: { driver, file: options.file, from: String(options.after === null ? 0n : options.after + 1n), pageSize: options.pageSize, pagesAhead },
  });
  // Only while a page is awaited does the thread keep the process alive (as a read would).
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  options.onThread?.(exited);
  const inbox: Message[] = [];
  let failure: Error | null = null;
  let over = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  worker.on('message', (m: Message) => {
    inbox.push(m);
    notify();
  });
  worker.once('error', (error) => {
    failure = error;
    notify();
  });
  void exited.then(() => {
    over = true;
    notify();
  });
  const stop = () => {
    if (!over) worker.postMessage('stop');
    notify();
  };
  options.signal?.addEventListener('abort', stop);
  try {
    for (;;) {
      if (options.signal?.aborted) throw closing();
      const next = inbox.shift();
      if (next) {
        if ('error' in next) throw new Error(`reading the log ahead: ${next.error}`);
        const last = next.rows.length < options.pageSize;
        // Credit back at once, so the thread reads the next page while this one is used.
        if (!last) worker.postMessage('more');
        if (next.rows.length) yield next.rows.map(toRecorded);
        if (last) return;
        continue;
      }
      if (failure) throw failure;
      // The thread ends only when told to: ended before, it crashed (or was terminated).
      if (over) throw new Error('reading the log ahead: the thread ended before the end of the log');
      worker.ref();
      await new Promise<void>((resolve) => (wake = resolve));
      worker.unref();
    }
  } finally {
    options.signal?.removeEventListener('abort', stop);
    stop();
    // The thread's end is awaited: it keeps the process alive until then.
    worker.ref();
    await exited;
  }
}

const closing = () => new Error('reading the log ahead: stopped, its event store is closing');
