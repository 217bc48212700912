import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import {
  type Bus,
  type BusStats,
  type ConsumeOptions,
  type Consumer,
  type DeadLetter,
  type Delivery,
  type DeliveryKey,
  type Handler,
  type OutgoingMessage,
  type Outcome,
  validateMessages,
} from '../bus.port.js';
import { exhaustedReason, handlerErrorReason, normalizeOutcome } from '../outcome.js';
import { DEFAULT_RETRY_SCHEDULE } from '@partner-ledger/config';
import { jitterFactor, planRetry } from '../retry-schedule.js';
import { BUS_SCHEMA } from './schema.js';

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

interface Row {
  seq: number;
  queue: string;
  message_id: string;
  topic: string;
  endpoint_id: string;
  body: string;
  headers: string | null;
  attempt: number;
  step: number;
  first_enqueued_at: number;
  visible_at: number;
  state: 'ready' | 'dead';
  lease_token: string | null;
  deliveries: number;
  last_error: string | null;
  dead_reason: string | null;
  dead_at: number | null;
}

/** A claimed message, with what is needed to record its outcome. */
interface Claimed {
  seq: number;
  token: string;
  step: number;
  attempt: number;
  delivery: Delivery;
}

type Recorded =
  | { kind: 'ack'; seq: number; token: string }
  | { kind: 'retry'; seq: number; token: string; step: number; visibleAt: number; error: string | null }
  | { kind: 'dead'; seq: number; token: string; reason: string };

/** In-process wake-ups, so a consumer sees a publish at once instead of at its next poll. */
const wakeups = new EventEmitter();
wakeups.setMaxListeners(0);

/**
 * The embedded queue: a table in the SQLite file (WAL) shared with the event store. Claims happen in
 * `BEGIN IMMEDIATE` transactions (`UPDATE … RETURNING`), so workers in several processes on the same
 * file never hold one message at the same time while its lease lives; consumers poll, and are woken
 * at once by publishes from their own process.
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
  private readonly statements;
  private pending: { record: Recorded; done: () => void }[] = [];
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
    this.queue = options.queue ?? 'webhooks';
    this.retrySchedule = Object.freeze([...(options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE)]);
    this.leaseMs = options.leaseMs ?? 60_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.maxDeliveries = options.maxDeliveries ?? 20;
    this.wakeKey = `${db.name}\u0000${this.queue}`;
    db.exec(BUS_SCHEMA);
    // The shared connection may return bigints (the event store turns safe integers on).
    const prepare = <P extends unknown[] | {} = unknown[], R = unknown>(sql: string) => db.prepare<P, R>(sql).safeIntegers(false);
    this.statements = {
      insert: prepare(
        `INSERT INTO bus_messages (queue, message_id, topic, endpoint_id, body, headers, first_enqueued_at, visible_at)
         VALUES (@queue, @messageId, @topic, @endpointId, @body, @headers, @now, @now)`,
      ),
      claim: prepare<{ queue: string; now: number; until: number; token: string; limit: number }, Row>(
        `UPDATE bus_messages SET lease_token = @token, visible_at = @until, deliveries = deliveries + 1
         WHERE seq IN (SELECT seq FROM bus_messages WHERE queue = @queue AND state = 'ready' AND visible_at <= @now
                       ORDER BY visible_at, seq LIMIT @limit)
         RETURNING *`,
      ),
      renew: prepare('UPDATE bus_messages SET visible_at = ? WHERE seq = ? AND lease_token = ?'),
      ack: prepare('DELETE FROM bus_messages WHERE seq = ? AND lease_token = ?'),
      retry: prepare(
        `UPDATE bus_messages SET attempt = attempt + 1, step = @step, visible_at = @visibleAt, lease_token = NULL,
                deliveries = 0, last_error = @error
         WHERE seq = @seq AND lease_token = @token`,
      ),
      bury: prepare(
        `UPDATE bus_messages SET state = 'dead', dead_reason = @reason, dead_at = @now, lease_token = NULL
         WHERE seq = @seq AND lease_token = @token`,
      ),
      nextVisible: prepare<[string], { at: number | null }>(
        `SELECT MIN(visible_at) AS at FROM bus_messages WHERE queue = ? AND state = 'ready'`,
      ),
      stats: prepare<{ queue: string; now: number }, { ready: number | null; delayed: number | null; dead: number | null }>(
        `SELECT SUM(state = 'ready' AND visible_at <= @now) AS ready,
                SUM(state = 'ready' AND visible_at > @now AND lease_token IS NULL) AS delayed,
                SUM(state = 'dead') AS dead
         FROM bus_messages WHERE queue = @queue`,
      ),
      requeue: prepare(
        `UPDATE bus_messages SET state = 'ready', attempt = 1, step = 0, deliveries = 0, visible_at = @now,
                first_enqueued_at = @now, lease_token = NULL, last_error = NULL, dead_reason = NULL, dead_at = NULL
         WHERE queue = @queue AND state = 'dead' AND message_id = @messageId AND endpoint_id = @endpointId`,
      ),
    };
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    validateMessages(messages);
    if (messages.length === 0) return;
    const now = Date.now();
    const insert = this.statements.insert;
    this.db
      .transaction(() => {
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
      })
      .immediate();
    this.wake();
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
    const rows = this.db.prepare<unknown[], Row>(sql).safeIntegers(false).all(...params);
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
    const now = Date.now();
    const token = randomUUID();
    const rows = this.db
      .transaction(() => {
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
        return live;
      })
      .immediate();
    // ORDER BY in the subquery does not order RETURNING; sorting keeps hand-out roughly FIFO.
    rows.sort((a, b) => a.visible_at - b.visible_at || a.seq - b.seq);
    return rows.map((row) => ({ seq: row.seq, token, step: row.step, attempt: row.attempt, delivery: toDelivery(row) }));
  }

  /** Extends the leases of the messages a consumer is still working on. */
  renew(held: { seq: number; token: string }[]): void {
    if (held.length === 0 || this.closed) return;
    const until = Date.now() + this.leaseMs;
    const lost = this.db
      .transaction(() => held.filter(({ seq, token }) => this.statements.renew.run(until, seq, token).changes === 0))
      .immediate();
    for (const { seq } of lost) this.options.logger?.warn({ seq }, 'bus: lease lost while the handler was running; another worker may deliver it too');
  }

  /** Turns a handler's outcome into a recorded change; resolves once it is committed. */
  record(claimed: Claimed, outcome: Outcome): Promise<void> {
    const { seq, token } = claimed;
    let record: Recorded;
    if (outcome.kind === 'ack') {
      record = { kind: 'ack', seq, token };
    } else if (outcome.kind === 'dead') {
      record = { kind: 'dead', seq, token, reason: outcome.reason };
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
      this.pending.push({ record, done: resolve });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits the outcomes recorded since the last flush in one transaction. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const { ack, retry, bury } = this.statements;
    const now = Date.now();
    let lost: Recorded[] = [];
    try {
      lost = this.db
        .transaction(() =>
          batch
            .map(({ record: r }) => {
              const changes =
                r.kind === 'ack'
                  ? ack.run(r.seq, r.token).changes
                  : r.kind === 'retry'
                    ? retry.run({ seq: r.seq, token: r.token, step: r.step, visibleAt: r.visibleAt, error: r.error }).changes
                    : bury.run({ seq: r.seq, token: r.token, reason: r.reason, now }).changes;
              return changes === 0 ? r : null;
            })
            .filter((r): r is Recorded => r !== null),
        )
        .immediate();
    } catch (error) {
      // Nothing recorded: the leases run out and the messages are delivered again (at-least-once).
      this.options.logger?.error({ err: error }, 'bus: could not record outcomes; the messages will be redelivered');
    }
    for (const r of lost) this.options.logger?.warn({ seq: r.seq, outcome: r.kind }, 'bus: outcome dropped, the lease had been taken over');
    for (const { done } of batch) done();
    if (batch.some(({ record }) => record.kind === 'retry')) this.wake();
  }

  /** ms until the earliest live message becomes visible (capped at the poll interval). */
  nextWakeIn(): number {
    const at = this.statements.nextVisible.get(this.queue)?.at;
    if (at === null || at === undefined) return this.pollIntervalMs;
    return Math.max(0, Math.min(this.pollIntervalMs, at - Date.now()));
  }

  onWake(listener: () => void): () => void {
    wakeups.on(this.wakeKey, listener);
    return () => wakeups.off(this.wakeKey, listener);
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

class SqliteConsumer implements Consumer {
  readonly ready = Promise.resolve();
  private readonly inFlight = new Map<number, { token: string; done: Promise<void> }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly renewTimer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private pumping = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly bus: SqliteBus,
    private readonly handler: Handler,
    private readonly concurrency: number,
    private readonly onClosed: () => void,
  ) {
    this.unsubscribe = bus.onWake(() => this.schedule(0));
    this.renewTimer = setInterval(() => this.renew(), Math.max(10, Math.floor(bus.leaseMs / 3)));
    this.schedule(0);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearTimeout(this.timer);
      this.unsubscribe();
      // Handlers in flight finish and record their outcomes; unclaimed messages stay for others.
      await Promise.all([...this.inFlight.values()].map((f) => f.done));
      clearInterval(this.renewTimer);
      this.onClosed();
    })();
    return this.closing;
  }

  private schedule(ms: number): void {
    if (this.closing) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), ms);
  }

  private pump(): void {
    if (this.closing || this.pumping || this.bus.isClosed) return;
    this.pumping = true;
    try {
      const free = this.concurrency - this.inFlight.size;
      if (free > 0) {
        for (const claimed of this.bus.claim(free)) this.start(claimed);
      }
      if (this.inFlight.size < this.concurrency) this.schedule(this.bus.nextWakeIn());
    } catch (error) {
      // SQLITE_BUSY beyond busy_timeout, or the file went away: try again later.
      this.bus.logger?.warn({ err: error }, 'bus: claiming failed; retrying');
      this.schedule(this.bus.pollIntervalMs);
    } finally {
      this.pumping = false;
    }
  }

  private start(claimed: Claimed): void {
    const done = (async () => {
      let outcome: Outcome;
      try {
        outcome = normalizeOutcome(await this.handler(claimed.delivery));
      } catch (error) {
        this.bus.logger?.warn({ err: error, messageId: claimed.delivery.messageId, endpointId: claimed.delivery.endpointId }, 'bus: handler threw; retrying');
        outcome = { kind: 'retry', reason: handlerErrorReason(error) };
      }
      await this.bus.record(claimed, outcome);
    })().finally(() => {
      this.inFlight.delete(claimed.seq);
      this.schedule(0);
    });
    this.inFlight.set(claimed.seq, { token: claimed.token, done });
  }

  private renew(): void {
    if (this.inFlight.size === 0 || this.bus.isClosed) return;
    try {
      this.bus.renew([...this.inFlight].map(([seq, { token }]) => ({ seq, token })));
    } catch (error) {
      this.bus.logger?.warn({ err: error }, 'bus: lease renewal failed');
    }
  }
}

function toDelivery(row: Row): Delivery {
  const delivery: Delivery = {
    messageId: row.message_id,
    topic: row.topic,
    endpointId: row.endpoint_id,
    body: row.body,
    attempt: row.attempt,
    firstEnqueuedAt: new Date(row.first_enqueued_at),
    redelivered: row.deliveries > 1,
  };
  if (row.headers) delivery.headers = JSON.parse(row.headers);
  return delivery;
}
