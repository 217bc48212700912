import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  type Bus,
  type BusStats,
  type ConsumeOptions,
  type Consumer,
  type DeadLetter,
  type DeliveryKey,
  type Handler,
  type OutgoingMessage,
  type Outcome,
  validateMessages,
} from '../bus.port.js';
import { exhaustedReason } from '../outcome.js';
import { checkpointInBackground, DEFAULT_RETRY_SCHEDULE, lockWrites, threadSignal } from '@partner-ledger/config';
import { jitterFactor, planRetry } from '../retry-schedule.js';
import { SqliteConsumer } from './consumer.js';
import { type Claimed, type Row, toDelivery } from './rows.js';
import { BUS_SCHEMA } from './schema.js';
import { type BusStatements, prepareBusStatements } from './statements.js';

export interface SqliteBusOptions {
  /** Queue name inside the table; several queues can share one file. Default `webhooks`. */
  queue?: string;
  /** Retry waits in ms (see retry-schedule.ts). Default DEFAULT_RETRY_SCHEDULE. */
  retrySchedule?: readonly number[];
  /** How long a claimed message stays invisible to other workers; renewed every third of it while the handler runs. Default 60 s. */
  leaseMs?: number;
  /** How often an idle consumer looks for work published by another process. Default 250 ms. */
  pollIntervalMs?: number;
  /** An attempt handed out this many times without an outcome (its workers keep dying) is dead-lettered. Default 20. */
  maxDeliveries?: number;
  logger?: Logger;
  /** Source of jitter, for tests. */
  random?: () => number;
}

type Recorded =
  | { kind: 'ack'; seq: number; token: string }
  | { kind: 'retry'; seq: number; token: string; step: number; visibleAt: number; error: string | null }
  | { kind: 'defer'; seq: number; token: string; visibleAt: number }
  | { kind: 'dead'; seq: number; token: string; reason: string };

/**
 * Wake-ups within the process (every thread of it), so a consumer sees a publish at once instead of
 * at its next poll; the payload names the file and queue.
 */
const wakeups = threadSignal('sqlite-bus-wake');

/**
 * The embedded queue: a table in the SQLite file (WAL) shared with the event store. Claims happen in
 * `BEGIN IMMEDIATE` transactions (`UPDATE … RETURNING`), so workers in several processes on the same
 * file never hold one message at the same time while its lease lives; consumers poll, and are woken
 * at once by publishes from their own process (any of its threads).
 */
export class SqliteBus implements Bus {
  readonly kind = 'sqlite' as const;
  readonly retrySchedule: readonly number[];
  readonly queue: string;
  readonly leaseMs: number;
  readonly pollIntervalMs: number;
  readonly maxDeliveries: number;
  private readonly wakeKey: string;
  private readonly consumers = new Set<SqliteConsumer>();
  private readonly statements: BusStatements;
  /** One publish's messages, in a savepoint of the flush's transaction. */
  private readonly insertAll: (messages: OutgoingMessage[], now: number) => void;
  private pending: { record: Recorded; done: () => void; consumer: SqliteConsumer | undefined }[] = [];
  private publishes: { messages: OutgoingMessage[]; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushScheduled = false;
  private closed = false;

  static open(filename: string, options: SqliteBusOptions = {}): SqliteBus {
    const db = new Database(filename);
    db.pragma('journal_mode = WAL');
    // As for the event store: a resolved publish must survive the machine going down.
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    return new SqliteBus(db, options, true);
  }

  /** Uses a connection owned by someone else (the embedded engine shares one file and connection). */
  static onDatabase(db: Database.Database, options: SqliteBusOptions = {}): SqliteBus {
    return new SqliteBus(db, options, false);
  }

  private constructor(
    readonly db: Database.Database,
    private readonly options: SqliteBusOptions,
    private readonly ownsDb: boolean,
  ) {
    lockWrites(db);
    checkpointInBackground(db);
    this.queue = options.queue ?? 'webhooks';
    this.retrySchedule = Object.freeze([...(options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE)]);
    this.leaseMs = options.leaseMs ?? 60_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.maxDeliveries = options.maxDeliveries ?? 20;
    this.wakeKey = `${db.name}\u0000${this.queue}`;
    db.exec(BUS_SCHEMA);
    this.statements = prepareBusStatements(db);
    const insert = this.statements.insert;
    // Called inside the flush's transaction, so better-sqlite3 runs it in a savepoint.
    this.insertAll = db.transaction((messages: OutgoingMessage[], now: number) => {
      for (const m of messages) {
        insert.run({
          queue: this.queue,
          messageId: m.messageId,
          topic: m.topic,
          endpointId: m.endpointId,
          body: m.body,
          headers: m.headers && Object.keys(m.headers).length > 0 ? JSON.stringify(m.headers) : null,
          now,
        });
      }
    });
  }

  /**
   * Resolves once the messages are committed (with the outcomes and the other publishes of this
   * turn of the event loop: see `flush`); rejects, and writes none of them, when they cannot be.
   */
  async publish(messages: OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    validateMessages(messages);
    if (messages.length === 0) return;
    return new Promise((resolve, reject) => {
      this.publishes.push({ messages, resolve, reject });
      this.scheduleFlush();
    });
  }

  consume(handler: Handler, options: ConsumeOptions = {}): Consumer {
    this.assertOpen();
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
    const consumer = new SqliteConsumer(this, handler, concurrency, () => this.consumers.delete(consumer));
    this.consumers.add(consumer);
    return consumer;
  }

  async deadLetters(options: { endpointId?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    this.assertOpen();
    const params: unknown[] = [this.queue];
    let sql = `SELECT * FROM bus_messages WHERE queue = ? AND state = 'dead'`;
    if (options.endpointId !== undefined) {
      sql += ' AND endpoint_id = ?';
      params.push(options.endpointId);
    }
    sql += ' ORDER BY dead_at, seq LIMIT ?';
    params.push(Math.max(0, options.limit ?? 100));
    const rows = this.db
      .prepare<unknown[], Row>(sql)
      .safeIntegers(false)
      .all(...params);
    return rows.map((row) => ({
      ...toDelivery(row),
      reason: row.dead_reason ?? '',
      deadAt: new Date(row.dead_at ?? 0),
    }));
  }

  async requeueDeadLetter(key: DeliveryKey): Promise<number> {
    this.assertOpen();
    const info = this.statements.requeue.run({ queue: this.queue, now: Date.now(), messageId: key.messageId, endpointId: key.endpointId });
    if (info.changes > 0) this.wake();
    return info.changes;
  }

  async stats(): Promise<BusStats> {
    this.assertOpen();
    const row = this.statements.stats.get({ queue: this.queue, now: Date.now() });
    return { ready: row?.ready ?? 0, delayed: row?.delayed ?? 0, dead: row?.dead ?? 0 };
  }

  async ping(): Promise<void> {
    this.assertOpen();
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.consumers].map((c) => c.close()));
    this.closed = true;
    this.flush();
    if (this.ownsDb) this.db.close();
  }

  // ---- used by the consumers ------------------------------------------------------------------

  /** Claims up to `limit` visible messages under a fresh lease; buries attempts past maxDeliveries. */
  claim(limit: number): Claimed[] {
    return this.db.transaction(() => this.claimRows(limit, Date.now(), randomUUID())).immediate();
  }

  /** The claim, inside the caller's write transaction. */
  private claimRows(limit: number, now: number, token: string): Claimed[] {
    const claimed = this.statements.claim.all({ queue: this.queue, now, until: now + this.leaseMs, token, limit });
    const live: Row[] = [];
    for (const row of claimed) {
      if (row.deliveries > this.maxDeliveries) {
        const reason = `delivery limit: attempt ${row.attempt} was handed out ${row.deliveries - 1} times without an outcome (workers crashing or losing their lease)`;
        this.statements.bury.run({ seq: row.seq, token, reason, now });
        this.options.logger?.warn({ messageId: row.message_id, endpointId: row.endpoint_id, attempt: row.attempt }, 'bus: dead-lettered after too many deliveries');
      } else {
        live.push(row);
      }
    }
    // ORDER BY in the subquery does not order RETURNING; sorting keeps hand-out roughly FIFO.
    live.sort((a, b) => a.visible_at - b.visible_at || a.seq - b.seq);
    return live.map((row) => ({ seq: row.seq, token, step: row.step, attempt: row.attempt, delivery: toDelivery(row) }));
  }

  /**
   * Inside a write transaction that has just published or recorded outcomes: claims for this
   * bus's consumers with room (counting the slots the outcomes being recorded free), so that
   * they need no claiming transaction of their own. On the embedded engine's shared file every
   * write transaction commits with an fsync and takes turns with the command thread's appends:
   * a message published and then claimed, or an outcome recorded and then the next message
   * claimed, cost two of them where one does. Handed out once the transaction has committed.
   */
  private claimForConsumers(releasing: ReadonlyMap<SqliteConsumer, number>): [SqliteConsumer, Claimed[]][] {
    const handed: [SqliteConsumer, Claimed[]][] = [];
    if (this.consumers.size === 0) return handed;
    const now = Date.now();
    const token = randomUUID();
    for (const consumer of this.consumers) {
      const room = consumer.room(releasing.get(consumer) ?? 0);
      if (room <= 0) continue;
      const claimed = this.claimRows(room, now, token);
      if (claimed.length) handed.push([consumer, claimed]);
      // Nothing more is visible: the other consumers would find nothing either.
      if (claimed.length < room) break;
    }
    return handed;
  }

  /** Gives each consumer what was claimed for it; answers how many messages that was. */
  private handOut(handed: [SqliteConsumer, Claimed[]][]): number {
    let count = 0;
    for (const [consumer, claimed] of handed) {
      consumer.adopt(claimed);
      count += claimed.length;
    }
    return count;
  }

  /** Extends the leases of the messages a consumer is still working on. */
  renew(held: { seq: number; token: string }[]): void {
    if (held.length === 0 || this.closed) return;
    const until = Date.now() + this.leaseMs;
    const lost = this.db.transaction(() => held.filter(({ seq, token }) => this.statements.renew.run(until, seq, token).changes === 0)).immediate();
    for (const { seq } of lost) this.options.logger?.warn({ seq }, 'bus: lease lost while the handler was running; another worker may deliver it too');
  }

  /**
   * Turns a handler's outcome into a recorded change; resolves once it is committed. `consumer`:
   * the one whose slot it frees, to claim its next messages in the same transaction.
   */
  record(claimed: Claimed, outcome: Outcome, consumer?: SqliteConsumer): Promise<void> {
    const { seq, token } = claimed;
    let record: Recorded;
    if (outcome.kind === 'ack') {
      record = { kind: 'ack', seq, token };
    } else if (outcome.kind === 'dead') {
      record = { kind: 'dead', seq, token, reason: outcome.reason };
    } else if (outcome.kind === 'defer') {
      record = { kind: 'defer', seq, token, visibleAt: Date.now() + outcome.delayMs };
    } else {
      const plan = planRetry(this.retrySchedule, claimed.step, outcome.notBeforeMs);
      const error = outcome.reason ?? null;
      if (plan.kind === 'exhausted') {
        record = { kind: 'dead', seq, token, reason: exhaustedReason(claimed.attempt, outcome.reason) };
      } else {
        const delay = Math.round(plan.delayMs * jitterFactor(this.options.random));
        record = { kind: 'retry', seq, token, step: plan.step + 1, visibleAt: Date.now() + delay, error };
      }
    }
    return new Promise((resolve) => {
      this.pending.push({ record, done: resolve, consumer });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * Group commit: the publishes and outcomes requested in one turn of the event loop, and the
   * claims they make room for, are written in one transaction. Each write transaction of the
   * embedded queue commits with an fsync (a resolved publish must survive the machine going down),
   * and on the engine's shared file it takes turns with the command thread's appends: one per turn
   * instead of one per call. Each publish has a savepoint of its own, so one that fails is
   * refused alone.
   */
  private flush(): void {
    this.flushScheduled = false;
    const publishes = this.publishes;
    const batch = this.pending;
    this.publishes = [];
    this.pending = [];
    if (batch.length === 0 && publishes.length === 0) return;
    const { ack, retry, defer, bury } = this.statements;
    const now = Date.now();
    let refused: (Error | null)[] = [];
    let lost: Recorded[] = [];
    let handed: [SqliteConsumer, Claimed[]][] = [];
    const releasing = new Map<SqliteConsumer, number>();
    for (const { consumer } of batch) if (consumer) releasing.set(consumer, (releasing.get(consumer) ?? 0) + 1);
    try {
      this.db
        .transaction(() => {
          refused = publishes.map(({ messages }) => {
            try {
              this.insertAll(messages, now);
              return null;
            } catch (error) {
              return error as Error;
            }
          });
          lost = batch
            .map(({ record: r }) => {
              const changes =
                r.kind === 'ack'
                  ? ack.run(r.seq, r.token).changes
                  : r.kind === 'retry'
                    ? retry.run({ seq: r.seq, token: r.token, step: r.step, visibleAt: r.visibleAt, error: r.error }).changes
                    : r.kind === 'defer'
                      ? defer.run({ seq: r.seq, token: r.token, visibleAt: r.visibleAt }).changes
                      : bury.run({ seq: r.seq, token: r.token, reason: r.reason, now }).changes;
              return changes === 0 ? r : null;
            })
            .filter((r): r is Recorded => r !== null);
          handed = this.claimForConsumers(releasing);
        })
        .immediate();
    } catch (error) {
      // Nothing written: the publishers are told; the leases run out and the messages are
      // delivered again (at-least-once).
      for (const { reject } of publishes) reject(error);
      if (batch.length) this.options.logger?.error({ err: error }, 'bus: could not record outcomes; the messages will be redelivered');
      for (const { done } of batch) done();
      return;
    }
    for (const r of lost) this.options.logger?.warn({ seq: r.seq, outcome: r.kind }, 'bus: outcome dropped, the lease had been taken over');
    let published = 0;
    publishes.forEach(({ messages, resolve, reject }, i) => {
      const error = refused[i];
      if (error) return reject(error);
      published += messages.length;
      resolve();
    });
    for (const { done } of batch) done();
    const taken = this.handOut(handed);
    // The other threads' consumers (and processes, at their next poll) look for what is left.
    if (taken < published || batch.some(({ record }) => record.kind === 'retry' || record.kind === 'defer')) this.wake();
  }

  /** ms until the earliest live message becomes visible (capped at the poll interval). */
  nextWakeIn(): number {
    const at = this.statements.nextVisible.get(this.queue)?.at;
    if (at === null || at === undefined) return this.pollIntervalMs;
    return Math.max(0, Math.min(this.pollIntervalMs, at - Date.now()));
  }

  onWake(listener: () => void): () => void {
    return wakeups.on((key) => {
      if (key === this.wakeKey) listener();
    });
  }

  get logger(): Logger | undefined {
    return this.options.logger;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private wake(): void {
    wakeups.emit(this.wakeKey);
  }

  private assertOpen() {
    if (this.closed) throw new Error('bus is closed');
  }
}
