import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { programStreamPrefixes } from '@partner-ledger/domain';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { buildLongHistory } from '@partner-ledger/testing';

/**
 * What a page of one program's events costs on SQLite as the log grows: logs of 20k and 200k
 * events (`buildLongHistory`: one real program's history copied under new program ids), one
 * program read in pages of 100 through `readAll` with its stream prefixes, forwards and its newest
 * event backwards from the end (a replay's head), beside the query used before the stream-group
 * index (prefix tests over a position scan) on the same file, and the time the one-time upgrade
 * of an older file takes (the file's column and index dropped, then opened). Each figure is the
 * median of three runs. Not part of `npm run bench`:
 *
 *   npx swc apps libs bench -d dist/bench-build -q --ignore "**\/*.spec.ts" && node dist/bench-build/bench/tools/prefix-read-cost.js [20000 200000]
 */
const PAGE = 100;
const sizes = process.argv.slice(2).map(Number);

interface Figures {
  events: number;
  pages: number;
  /** Mean ms per forward page through the store. */
  page: number;
  /** ms for the program's newest event, backwards from the end. */
  head: number;
  /** Mean ms per forward page with the former query. */
  formerPage: number;
  formerHead: number;
  /** ms the one-time upgrade of this file took (column and index). */
  upgrade: number;
  /** Size of events_stream_group, MB. */
  indexMb: number;
}

function formerQuery(prefixes: string[], backwards: boolean): string {
  const tests = prefixes.map(() => 'substr(stream, 1, length(?)) = ?').join(' OR ');
  return `SELECT * FROM events WHERE ${backwards ? '' : 'position >= ? AND '}(${tests}) ORDER BY position ${backwards ? 'DESC' : 'ASC'} LIMIT ?`;
}

/** The median of three runs of `fn` (ms): the first warms the page cache, the file is read cold otherwise. */
async function median(fn: () => Promise<unknown> | unknown): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await fn();
    runs.push(performance.now() - started);
  }
  return runs.sort((a, b) => a - b)[1];
}

async function measure(events: number): Promise<Figures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pl-prefix-cost-'));
  try {
    const log = await buildLongHistory({ dataDir, commands: 300, events });
    // The upgrade an older file gets on open, timed on this one: without the column and its index.
    const old = new Database(log.file);
    old.exec('DROP INDEX events_stream_group; ALTER TABLE events DROP COLUMN stream_group');
    old.close();
    let upgrade = 0;
    const store = SqliteEventStore.open(log.file, { logger: { info: (details: object) => (upgrade = (details as { ms: number }).ms) } });
    // The program whose events lie in the middle of the log: a position scan pays for the half before it.
    const middle = Math.max(1, Math.floor(log.copies / 2));
    const prefixes = programStreamPrefixes(`prg_${middle.toString(16).padStart(20, '0')}`);
    let pages = 0;
    const page = await median(async () => {
      pages = 0;
      let from: bigint | 'start' = 'start';
      for (;;) {
        const read = await store.readAll({ fromPosition: from, maxCount: PAGE, filter: { streamPrefixes: prefixes } });
        pages++;
        if (read.length < PAGE) return;
        from = read[read.length - 1].position + 1n;
      }
    });
    const head = await median(() => store.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1, filter: { streamPrefixes: prefixes } }));

    const args = prefixes.flatMap((p) => [p, p]);
    const forwards = store.db.prepare(formerQuery(prefixes, false));
    const formerPage = await median(() => {
      let position = 0n;
      for (let i = 0; i < pages; i++) {
        const rows = forwards.all(position, ...args, PAGE) as { position: bigint }[];
        if (rows.length === 0) return;
        position = BigInt(rows[rows.length - 1].position) + 1n;
      }
    });
    const backwards = store.db.prepare(formerQuery(prefixes, true));
    const formerHead = await median(() => backwards.all(...args, 1));
    const bytes = store.db.prepare("SELECT sum(pgsize) FROM dbstat WHERE name = 'events_stream_group'").pluck().get();
    await store.close();
    return { events: log.events, pages, page: page / pages, head, formerPage: formerPage / pages, formerHead, upgrade, indexMb: Number(bytes) / 1e6 };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const rows: Figures[] = [];
for (const events of sizes.length ? sizes : [20_000, 200_000]) rows.push(await measure(events));
const ms = (n: number) => n.toFixed(2);
console.log(`one program read in pages of ${PAGE} (ms per page; newest event backwards from the end in ms)`);
console.log('events | pages | page, indexed | page, before | head, indexed | head, before | upgrade of an older file | index MB');
for (const r of rows) console.log(`${r.events} | ${r.pages} | ${ms(r.page)} | ${ms(r.formerPage)} | ${ms(r.head)} | ${ms(r.formerHead)} | ${r.upgrade} | ${r.indexMb.toFixed(1)}`);
