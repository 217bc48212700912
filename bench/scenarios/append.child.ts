import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@partner-ledger/event-store';
import { EVENT_STORE_SCHEMA } from '@partner-ledger/event-store';
import { SqliteEventStore } from '@partner-ledger/event-store';
import type { ChildHandler } from '../lib/child.js';
import { seeded } from '../lib/stats.js';
import type { AppendParams as Params, AppendResult } from './append.js';

export interface Append {
  stream: string;
  events: NewEvent[];
  /** Events already in the stream before this append (its expected revision + 1). */
  before: number;
}

/**
 * Runs `append` on each item, one at a time, in order: the wall time of the whole run and the
 * latency of each call. Every variant of scenarios 1 and 6 measures with it.
 */
export async function timeEach<T>(work: readonly T[], append: (item: T) => unknown): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  const t0 = performance.now();
  for (const item of work) {
    const s = performance.now();
    await append(item);
    latencies.push(performance.now() - s);
  }
  return { seconds: (performance.now() - t0) / 1000, latencies };
}

/**
 * The same appends in every process of a run: `streams` transaction streams of `events/streams`
 * events each, cut into command-sized batches of 1–3 events (a CreateTransaction appends 2), taken
 * in rounds across the streams in a shuffled order so consecutive appends hit different streams.
 */
export function appendWorkload(events: number, streams: number, seed = 7, programId = 'prg_0123456789abcdef0123'): Append[] {
  const rnd = seeded(seed);
  const perStream = Math.max(1, Math.floor(events / streams));
  const batches: number[][] = [];
  for (let s = 0; s < streams; s++) {
    const sizes: number[] = [];
    let left = perStream;
    while (left > 0) {
      const n = Math.min(left, 1 + Math.floor(rnd() * 3));
      sizes.push(n);
      left -= n;
    }
    batches.push(sizes);
  }
  const order = Array.from({ length: streams }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const appends: Append[] = [];
  const written = new Array<number>(streams).fill(0);
  for (let round = 0; ; round++) {
    let any = false;
    for (const s of order) {
      const size = batches[s][round];
      if (size === undefined) continue;
      any = true;
      const stream = `transaction-${programId}.T${s}`;
      const batch: NewEvent[] = [];
      for (let k = 0; k < size; k++) batch.push(sampleEvent(programId, s, written[s] + k, rnd));
      appends.push({ stream, events: batch, before: written[s] });
      written[s] += size;
    }
    if (!any) break;
  }
  return appends;
}

/** Shaped like a ConversionCreated: ≈ 600 bytes of JSON, as the engine writes them. */
function sampleEvent(programId: string, stream: number, revision: number, rnd: () => number): NewEvent {
  const amountMinor = 100 + Math.floor(rnd() * 50_000);
  return {
    id: randomUUID(),
    type: revision === 0 ? 'TransactionRecorded' : 'ConversionCreated',
    data: {
      programId,
      conversionId: `cv_${Buffer.from(`T${stream}`).toString('base64url')}`,
      transactionKey: `T${stream}`,
      partnerId: `par_${(stream % 997).toString(16).padStart(20, '0')}`,
      customerId: `cus_${stream.toString(16).padStart(20, '0')}`,
      amountMinor,
      currency: 'USD',
      status: 'PENDING',
      commissions: [{ partnerId: `par_${(stream % 997).toString(16).padStart(20, '0')}`, level: 1, amountMinor: Math.round(amountMinor / 10) }],
      trace: {
        rule: 'PERCENT_OF_SALE',
        base: amountMinor,
        levels: [{ level: 1, partnerId: `par_${(stream % 997).toString(16).padStart(20, '0')}`, rate: '10', amountMinor: Math.round(amountMinor / 10) }],
      },
    },
    metadata: metadataFor(randomUUID()),
  };
}

/** The port's expected revision before an append: no stream yet, or the last revision. */
export const expectedRevisionOf = (a: Append) => (a.before === 0 ? ('no_stream' as const) : BigInt(a.before - 1));

/** What the API's metadataOf() writes. */
const metadataFor = (correlationId: string) => ({ correlationId, causationId: correlationId, source: 'api' as const, schemaVersion: 1 });

function pragmas(db: Database.Database) {
  return { synchronous: String(db.pragma('synchronous', { simple: true })), journal: String(db.pragma('journal_mode', { simple: true })) };
}

export const handlers: Record<string, ChildHandler> = {
  /** partner-ledger's SqliteEventStore, as the engine opens it (WAL, synchronous=FULL). */
  async 'append.ours'(p: Params): Promise<AppendResult> {
    const work = appendWorkload(p.events, p.streams);
    const store = SqliteEventStore.open(p.file);
    const { seconds, latencies } = await timeEach(work, (a) => store.appendToStream(a.stream, a.events, { expectedRevision: expectedRevisionOf(a) }));
    const settings = pragmas(store.db);
    await store.close();
    return { events: count(work), appends: work.length, seconds, latencies, failures: 0, ...settings };
  },

  /**
   * The ceiling: the same rows into the same table with the same pragmas, one BEGIN IMMEDIATE
   * transaction per batch, no revision check and no stream index to maintain.
   */
  async 'append.raw'(p: Params): Promise<AppendResult> {
    const work = appendWorkload(p.events, p.streams);
    const db = new Database(p.file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(EVENT_STORE_SCHEMA);
    const insert = db.prepare('INSERT INTO events (id, stream, revision, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const write = db.transaction((a: Append) => {
      const now = Date.now();
      a.events.forEach((e, k) => insert.run(e.id, a.stream, a.before + k, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), now));
    });
    const { seconds, latencies } = await timeEach(work, (a) => write.immediate(a));
    const settings = pragmas(db);
    db.close();
    return { events: count(work), appends: work.length, seconds, latencies, failures: 0, ...settings };
  },

  /**
   * Emmett 0.38.5's SQLite event store (node-sqlite3), expected stream version on every append.
   * It opens a connection per call and sets only journal_mode=WAL, so synchronous stays at the
   * library default, read back below (FULL, the same as ours).
   */
  async 'append.emmett'(p: Params): Promise<AppendResult> {
    // Loaded here only: the other variants' peak RSS should not carry Emmett and node-sqlite3.
    const { getSQLiteEventStore } = await import('@event-driven-io/emmett-sqlite');
    const { default: sqlite3 } = await import('sqlite3');
    const work = appendWorkload(p.events, p.streams);
    const store = getSQLiteEventStore({ fileName: p.file });
    let failures = 0;
    let firstFailure: string | undefined;
    // Emmett opens a connection per call and runs `PRAGMA journal_mode = WAL` on it without a
    // callback; when that meets the previous connection still closing, node-sqlite3 emits
    // SQLITE_BUSY on the statement and, with no listener, the process dies. The file is in WAL mode
    // from the first connection on, so the failed pragma changes nothing: counted, not fatal.
    let pragmaErrors = 0;
    process.on('uncaughtException', (error: Error & { code?: string }) => {
      if (error.code !== 'SQLITE_BUSY') throw error;
      pragmaErrors++;
    });
    const { seconds, latencies } = await timeEach(work, async (a) => {
      const events = a.events.map((e) => ({ type: e.type, data: e.data as Record<string, unknown>, metadata: e.metadata as Record<string, unknown> }));
      for (let attempt = 1; ; attempt++) {
        try {
          return await store.appendToStream(a.stream, events, { expectedStreamVersion: BigInt(a.before) });
        } catch (error) {
          // 0.38.5 now and then answers SQLITE_BUSY on COMMIT ("SQL statements in progress") on a
          // connection of its own; retried once and counted, so the comparison stays like for like.
          failures++;
          firstFailure ??= (error as Error).message;
          if (attempt >= 2) throw error;
        }
      }
    });
    const settings = await new Promise<{ synchronous: string; journal: string }>((resolve, reject) => {
      const db = new sqlite3.Database(p.file);
      db.get('PRAGMA synchronous', (e1, a: { synchronous: number }) => {
        db.get('PRAGMA journal_mode', (e2, b: { journal_mode: string }) => {
          db.close();
          if (e1 || e2) reject(e1 ?? e2);
          else resolve({ synchronous: String(a.synchronous), journal: b.journal_mode });
        });
      });
    });
    const notes = [
      ...(failures ? [`${failures} append(s) failed once and were retried: ${firstFailure}`] : []),
      ...(pragmaErrors ? [`${pragmaErrors} unhandled SQLITE_BUSY from Emmett's per-connection PRAGMA journal_mode=WAL, ignored`] : []),
    ];
    return { events: count(work), appends: work.length, seconds, latencies, failures, ...settings, note: notes.join('; ') || undefined };
  },
};

export const count = (work: Append[]) => work.reduce((n, a) => n + a.events.length, 0);
