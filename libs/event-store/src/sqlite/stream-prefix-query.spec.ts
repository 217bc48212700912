import { describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadAllOptions } from '../event-store.port.js';
import { SqliteEventStore } from './sqlite-event-store.js';
import { MAX_GROUPS, planStreamPrefixes, prefixUpperBound } from './stream-prefix-query.js';

const PROGRAM = ['program-prg_1', 'partner-prg_1.', 'customer-prg_1.', 'transaction-prg_1.', 'trigger-prg_1.', 'unique-prg_1.'];

interface Run {
  sql: string;
  params: unknown[];
}

/** A store on a file whose connection records every query it runs with `all()`, with its parameters. */
function recordingStore(): { store: SqliteEventStore; db: Database.Database; runs: Run[]; cleanup(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'pl-es-'));
  const db = new Database(join(dir, 'events.db'));
  const runs: Run[] = [];
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    const statement = prepare(sql);
    const all = statement.all.bind(statement);
    statement.all = (...params: unknown[]) => {
      runs.push({ sql, params });
      return all(...params);
    };
    return statement;
  }) as typeof db.prepare;
  const store = SqliteEventStore.onDatabase(db);
  return {
    store,
    db,
    runs,
    cleanup: async () => {
      await store.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The steps SQLite plans for a recorded query, with the parameters it ran with. */
function queryPlan(db: Database.Database, run: Run): string[] {
  return (db.prepare(`EXPLAIN QUERY PLAN ${run.sql}`).all(...run.params) as { detail: string }[]).map((row) => row.detail);
}

describe('sqlite event store: reads by stream prefix go through events_stream_group', () => {
  it("a program's prefixes, forwards and backwards, with and without types and positions: index searches merged by position, no scan, no sort", async () => {
    const { store, db, runs, cleanup } = recordingStore();
    try {
      for (const stream of ['program-prg_1', 'partner-prg_1.a', 'program-prg_2', 'partner-prg_2.b', 'transaction-prg_1.t']) await store.appendToStream(stream, [{ type: 'A', data: {} }]);
      const reads: ReadAllOptions[] = [
        { filter: { streamPrefixes: PROGRAM }, maxCount: 100 },
        { fromPosition: 3n, filter: { streamPrefixes: PROGRAM }, maxCount: 100 },
        { direction: 'backwards', fromPosition: 'end', filter: { streamPrefixes: PROGRAM }, maxCount: 1 },
        { direction: 'backwards', fromPosition: 4n, filter: { streamPrefixes: PROGRAM, eventTypes: ['A', 'B'] }, maxCount: 10 },
        { fromPosition: 2n, filter: { streamPrefixes: ['partner-prg_1.a'], eventTypes: ['A'] }, maxCount: 10 },
      ];
      for (const read of reads) {
        runs.length = 0;
        const events = await store.readAll(read);
        expect(events.length).toBeGreaterThan(0);
        expect(events.every((e) => e.streamName.includes('prg_1'))).toBe(true);
        expect(runs).toHaveLength(1);
        const plan = queryPlan(db, runs[0]);
        expect(plan.filter((d) => d.startsWith('SEARCH events USING INDEX events_stream_group')).length).toBeGreaterThanOrEqual(1);
        expect(plan.filter((d) => /^SCAN events|TEMP B-TREE/.test(d))).toEqual([]);
      }
    } finally {
      await cleanup();
    }
  });

  it('a prefix spanning several groups (a bare category) is read by position, and still each event once', async () => {
    const { store, db, runs, cleanup } = recordingStore();
    try {
      for (const stream of ['partner-prg_1.a', 'partner-prg_2.b', 'customer-prg_1.c']) await store.appendToStream(stream, [{ type: 'A', data: {} }]);
      runs.length = 0;
      const events = await store.readAll({ filter: { streamPrefixes: ['partner-', 'partner-prg_1.', 'customer-prg_1.'] } });
      expect(events.map((e) => e.streamName)).toEqual(['partner-prg_1.a', 'partner-prg_2.b', 'customer-prg_1.c']);
      expect(runs).toHaveLength(1);
      const plan = queryPlan(db, runs[0]);
      expect(plan.some((d) => d.startsWith('SEARCH events USING INDEX events_stream_group'))).toBe(true);
      expect(plan.some((d) => d.startsWith('SCAN events'))).toBe(true);
    } finally {
      await cleanup();
    }
  });
});

describe('planStreamPrefixes', () => {
  const none = () => false;
  const all = () => true;

  it("maps a program's prefixes to one group each, the dot-less one when it is alone in its range", () => {
    const plan = planStreamPrefixes(PROGRAM, all);
    expect([...plan.groups]).toEqual(PROGRAM.map((p) => [p, 'all']));
    expect(plan.scanned).toEqual([]);
    expect(planStreamPrefixes(PROGRAM, none).scanned).toEqual(['program-prg_1']);
  });

  it('reads a prefix with a dot further in within its group; a whole group absorbs them; duplicates count once', () => {
    expect([...planStreamPrefixes(['trigger-prg_1.email.', 'trigger-prg_1.code.', 'trigger-prg_1.email.'], none).groups]).toEqual([
      ['trigger-prg_1.', ['trigger-prg_1.email.', 'trigger-prg_1.code.']],
    ]);
    expect([...planStreamPrefixes(['trigger-prg_1.email.', 'trigger-prg_1.'], none).groups]).toEqual([['trigger-prg_1.', 'all']]);
  });

  it('drops the groups a scanned prefix covers, and scans everything past MAX_GROUPS groups', () => {
    expect(planStreamPrefixes(['partner-prg_1.', 'partner-', 'customer-prg_1.a'], none)).toEqual({ groups: new Map([['customer-prg_1.', ['customer-prg_1.a']]]), scanned: ['partner-'] });
    const many = Array.from({ length: MAX_GROUPS + 1 }, (_, i) => `partner-prg_${i}.`);
    expect(planStreamPrefixes(many, none)).toEqual({ groups: new Map(), scanned: many });
  });
});

describe('prefixUpperBound', () => {
  it('is the next string after every extension of the prefix, in code point order', () => {
    expect(prefixUpperBound('program-prg_1')).toBe('program-prg_2');
    expect(prefixUpperBound('a\u{d7ff}')).toBe('a\u{e000}');
    expect(prefixUpperBound('a😀')).toBe('a😁');
    expect(prefixUpperBound('')).toBeNull();
    expect(prefixUpperBound('a\u{10ffff}')).toBeNull();
  });
});
