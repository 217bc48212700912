import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { ChildHandler } from '../lib/child.js';
import { EVENT_STORE_SCHEMA } from '@partner-ledger/event-store';

export interface BareParams {
  file: string;
}

interface Body {
  customerKey: string;
  amount: string;
  key: string;
}

export const handlers: Record<string, ChildHandler> = {
  /**
   * The ceiling for HTTP ingest: Fastify with its default JSON parsing, one route that writes the
   * rows a CreateTransaction writes (TransactionRecorded + ConversionCreated, same shapes and
   * sizes) into the same table, one BEGIN IMMEDIATE transaction, WAL and synchronous=FULL like the
   * engine's event store, committed the way the event store commits: a group commit (the requests
   * that arrived while the loop was busy, in one transaction and one fsync at the next turn), each
   * answered after that commit. `GET /metrics` answers its CPU and its group commits, outside the
   * measured route, so that the notes can set its time per command beside the engine's.
   * No auth, no validation, no reads, no decider, no projections.
   */
  async 'ingest.bare'(p: BareParams, ctl) {
    const { default: Fastify } = await import('fastify');
    const db = new Database(p.file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(EVENT_STORE_SCHEMA);
    const insert = db.prepare('INSERT INTO events (id, stream, revision, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const write = db.transaction((pid: string, b: Body, correlationId: string): bigint | number => {
      const now = Date.now();
      const stream = `transaction-${pid}.${b.key}`;
      const amountMinor = Math.round(Number(b.amount) * 100);
      const metadata = JSON.stringify({ correlationId, causationId: correlationId, source: 'api', schemaVersion: 1 });
      const partnerId = 'par_0123456789abcdef0123';
      const customerId = `cus_${b.customerKey}`;
      const commission = Math.round(amountMinor / 10);
      const recorded = {
        programId: pid,
        transactionKey: b.key,
        amountMinor,
        currency: 'USD',
        customerId,
        productId: null,
        productType: null,
        couponCode: null,
        requestHash: 'x'.repeat(43),
        attribution: { source: 'customer', partnerId, triggerId: null },
        unattributedReason: null,
      };
      const conversion = {
        programId: pid,
        conversionId: `cv_${Buffer.from(b.key).toString('base64url')}`,
        transactionKey: b.key,
        partnerId,
        customerId,
        amountMinor,
        currency: 'USD',
        status: 'PENDING',
        commissions: [{ partnerId, level: 1, amountMinor: commission }],
        trace: { rule: 'PERCENT_OF_SALE', base: amountMinor, levels: [{ level: 1, partnerId, rate: '10', amountMinor: commission }] },
      };
      insert.run(randomUUID(), stream, 0, 'TransactionRecorded', JSON.stringify(recorded), metadata, now);
      return insert.run(randomUUID(), stream, 1, 'ConversionCreated', JSON.stringify(conversion), metadata, now).lastInsertRowid;
    });
    type Queued = { pid: string; body: Body; resolve: (position: bigint | number) => void; reject: (e: unknown) => void };
    let queue: Queued[] = [];
    const writeGroup = db.transaction((group: Queued[]) => group.map((q) => write(q.pid, q.body, randomUUID())));
    // Counted as the event store counts its own (`groupCommits()`): plain sums, served on /metrics.
    const commits = { commits: 0, appends: 0, seconds: 0 };
    const commit = () => {
      const group = queue;
      queue = [];
      const started = performance.now();
      try {
        writeGroup.immediate(group).forEach((position, i) => group[i].resolve(position));
      } catch (error) {
        for (const q of group) q.reject(error);
      } finally {
        commits.commits++;
        commits.appends += group.length;
        commits.seconds += (performance.now() - started) / 1000;
      }
    };
    const insert2 = (pid: string, body: Body) =>
      new Promise<bigint | number>((resolve, reject) => {
        if (queue.push({ pid, body, resolve, reject }) === 1) setImmediate(commit);
      });
    const app = Fastify({ logger: false });
    app.post<{ Params: { pid: string }; Body: Body }>('/v1/programs/:pid/transactions', async (req, reply) => {
      const b = req.body;
      const position = await insert2(req.params.pid, b);
      reply.code(201);
      return { key: b.key, amount: b.amount, currency: 'USD', position: String(position) };
    });
    // What the bench reads before and after a window, named as the engine's /metrics names them.
    app.get('/metrics', async (_req, reply) => {
      const cpu = process.cpuUsage();
      reply.type('text/plain');
      return [
        `process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`,
        `event_store_group_commits_total ${commits.commits}`,
        `event_store_group_commit_appends_total ${commits.appends}`,
        `event_store_group_commit_seconds_total ${commits.seconds}`,
        '',
      ].join('\n');
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    ctl.send({ type: 'ready', url });
    await ctl.next('stop');
    await app.close();
    db.close();
    return {};
  },
};
