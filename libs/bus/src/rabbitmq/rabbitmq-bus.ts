import type { Channel, GetMessage } from 'amqplib';
import type { EventEmitter } from 'node:events';
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
import { exhaustedReason } from '../outcome.js';
import { DEFAULT_RETRY_SCHEDULE } from '@partner-ledger/config';
import { RABBITMQ_JITTER_FACTORS, planRetry } from '../retry-schedule.js';
import { ConfirmedPublisher } from './confirmed-publish.js';
import { RabbitConsumer } from './consumer.js';
import { type Envelope, malformedEnvelope, readEnvelope, toDeadLetter } from './envelope.js';
import { AmqpSession, BusClosedError } from './session.js';
import { delayTtl, delayTtls, deleteTopology, parkTtl, type TopologyNames, topologyNames } from './topology.js';

// Part of the adapter's public surface (a publish on a closed bus rejects with it).
export { BusClosedError };

export interface RabbitMqBusOptions {
  /** Name prefix of every exchange and queue. Default `pl.webhooks`. */
  prefix?: string;
  /** Retry waits in ms (see retry-schedule.ts). Default DEFAULT_RETRY_SCHEDULE. */
  retrySchedule?: readonly number[];
  /** Deliveries of one message without an outcome before the broker dead-letters it. Default 20. */
  deliveryLimit?: number;
  /** How long `publish` (and a handler's retry/dead publish) waits for a connection and confirms. Default 60 s. */
  publishTimeoutMs?: number;
  /** How long `connect` waits for the first connection. Default 30 s. */
  connectTimeoutMs?: number;
  /** Reconnect backoff: first delay, doubled up to the max, ±20 % jitter. Default 100 ms … 5 s. */
  reconnectDelayMs?: { initial: number; max: number };
  /** AMQP heartbeat unless the URL sets one. Default 10 s. */
  heartbeatSeconds?: number;
  /** Shown in the management UI and `rabbitmqctl list_connections`. Default `<prefix> <pid>`. */
  connectionName?: string;
  logger?: Logger;
  /** Source of randomness for the jitter factor, for tests. */
  random?: () => number;
  /**
   * How long a consumer may hold the acknowledgements of finished deliveries to send them together
   * (see consumer.ts). Default 0: at the next turn of the event loop, which gathers the outcomes
   * that finished together (a delivery log batch). Tests set more to kill a worker mid-batch.
   */
  ackBatchMs?: number;
}

/**
 * RabbitMQ adapter (`AMQP_URL`): confirm channel, persistent messages on quorum queues, `messageId`
 * = event id, a topic exchange, a retry ladder of TTL'd delay queues that dead-letter back into the
 * work queue, and reconnection. See topology.ts for the picture.
 */
export class RabbitMqBus implements Bus {
  readonly kind = 'rabbitmq' as const;
  readonly retrySchedule: readonly number[];
  readonly names: TopologyNames;
  readonly prefix: string;
  readonly publishTimeoutMs: number;
  private readonly ttls: number[];
  private readonly session: AmqpSession;
  private readonly consumers = new Set<RabbitConsumer>();
  private readonly publisher: ConfirmedPublisher;
  private browsing: Promise<unknown> = Promise.resolve();
  private closed = false;

  /** Connects (waiting up to `connectTimeoutMs`), declares the topology, and keeps reconnecting afterwards. */
  static async connect(url: string, options: RabbitMqBusOptions = {}): Promise<RabbitMqBus> {
    const bus = new RabbitMqBus(url, options);
    const timeout = options.connectTimeoutMs ?? 30_000;
    try {
      await bus.session.waitForLink(Date.now() + timeout);
    } catch (error) {
      await bus.session.stop();
      throw new Error(`cannot connect the bus to RabbitMQ at ${redact(url)} within ${timeout} ms: ${(error as Error).message}`);
    }
    return bus;
  }

  private constructor(
    url: string,
    private readonly options: RabbitMqBusOptions,
  ) {
    this.prefix = options.prefix ?? 'pl.webhooks';
    this.names = topologyNames(this.prefix);
    this.retrySchedule = Object.freeze([...(options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE)]);
    this.ttls = delayTtls(this.retrySchedule);
    this.publishTimeoutMs = options.publishTimeoutMs ?? 60_000;
    this.session = new AmqpSession(
      url,
      this.names,
      this.retrySchedule,
      {
        deliveryLimit: options.deliveryLimit ?? 20,
        reconnectDelayMs: options.reconnectDelayMs ?? { initial: 100, max: 5_000 },
        heartbeatSeconds: options.heartbeatSeconds ?? 10,
        connectionName: options.connectionName ?? `${this.prefix} ${process.pid}`,
      },
      options.logger,
    );
    this.publisher = new ConfirmedPublisher(this.session, this.names, this.retrySchedule, {
      publishTimeoutMs: this.publishTimeoutMs,
      deliveryLimit: options.deliveryLimit ?? 20,
      logger: options.logger,
    });
    this.session.ensureConnecting();
  }

  /** Emits `up` (connected, topology declared), `down` and `connect-failed`. */
  get events(): EventEmitter {
    return this.session;
  }

  get connected(): boolean {
    return this.session.link !== null;
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    validateMessages(messages);
    if (messages.length === 0) return;
    const now = Date.now();
    await this.publisher.publish(
      messages.map((m) => ({
        exchange: this.names.exchange,
        routingKey: m.topic,
        envelope: { delivery: { ...m, attempt: 1, retryStep: 0, firstEnqueuedAt: new Date(now), redelivered: false }, step: 0 },
      })),
    );
  }

  consume(handler: Handler, options: ConsumeOptions = {}): Consumer {
    this.assertOpen();
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
    const consumer = new RabbitConsumer(this, this.session, handler, concurrency, this.options.ackBatchMs ?? 0, () => this.consumers.delete(consumer));
    this.consumers.add(consumer);
    return consumer;
  }

  async deadLetters(options: { endpointId?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    this.assertOpen();
    const limit = Math.max(0, options.limit ?? 100);
    const out: DeadLetter[] = [];
    if (limit === 0) return out;
    await this.browseDead(async (msg) => {
      const envelope = readEnvelope(msg) ?? malformedEnvelope(msg);
      if (options.endpointId !== undefined && envelope.delivery.endpointId !== options.endpointId) return 'keep';
      out.push(toDeadLetter(envelope, msg));
      return out.length >= limit ? 'stop' : 'keep';
    });
    return out;
  }

  async requeueDeadLetter(key: DeliveryKey): Promise<number> {
    this.assertOpen();
    let requeued = 0;
    await this.browseDead(async (msg, ch) => {
      const envelope = readEnvelope(msg);
      if (!envelope || envelope.delivery.messageId !== key.messageId || envelope.delivery.endpointId !== key.endpointId) return 'keep';
      const delivery: Delivery = { ...envelope.delivery, attempt: 1, retryStep: 0, firstEnqueuedAt: new Date(), redelivered: false };
      await this.publisher.publish([{ exchange: this.names.retryExchange, routingKey: delivery.topic, envelope: { delivery, step: 0 } }]);
      ch.ack(msg);
      requeued++;
      return 'removed';
    });
    return requeued;
  }

  async stats(): Promise<BusStats> {
    this.assertOpen();
    return this.withChannel(async (ch) => {
      const count = async (queue: string) => (await ch.checkQueue(queue)).messageCount;
      const delayed = await Promise.all(this.ttls.map((ttl) => count(this.names.delay(ttl))));
      return { ready: await count(this.names.work), delayed: delayed.reduce((a, b) => a + b, 0), dead: await count(this.names.dead) };
    });
  }

  async ping(): Promise<void> {
    this.assertOpen();
    if (!this.session.link) throw new Error(`RabbitMQ disconnected${this.session.lastError ? `: ${this.session.lastError.message}` : ''}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.close()));
    await this.session.stop();
  }

  /** Deletes this bus's exchanges and queues (messages included), then closes. For tests and retiring a prefix. */
  async deleteTopology(): Promise<void> {
    await this.withChannel((ch) => deleteTopology(ch, this.names, this.retrySchedule));
    await this.close();
  }

  // ---- used by the consumers ------------------------------------------------------------------

  /** Decides and publishes (with confirms) what follows a delivery; the caller acks the original after it. */
  async settle(envelope: Envelope, outcome: Outcome): Promise<void> {
    if (outcome.kind === 'ack') return;
    if (outcome.kind === 'dead') return this.bury(envelope, outcome.reason);
    if (outcome.kind === 'defer') {
      // Not an attempt: the same attempt and step, parked until its time (see `park`).
      return this.park({ delivery: { ...envelope.delivery, redelivered: false }, step: envelope.step, notBefore: Date.now() + outcome.delayMs });
    }
    const plan = planRetry(this.retrySchedule, envelope.step, outcome.notBeforeMs);
    if (plan.kind === 'exhausted') return this.bury(envelope, exhaustedReason(envelope.delivery.attempt, outcome.reason));
    const next: Envelope = {
      delivery: { ...envelope.delivery, attempt: envelope.delivery.attempt + 1, retryStep: plan.step + 1, redelivered: false },
      step: plan.step + 1,
    };
    if (plan.delayMs === 0) {
      return this.publisher.publish([{ exchange: this.names.retryExchange, routingKey: next.delivery.topic, envelope: next }]);
    }
    const factor = RABBITMQ_JITTER_FACTORS[Math.floor((this.options.random ?? Math.random)() * RABBITMQ_JITTER_FACTORS.length)] ?? 1;
    if (!plan.overflow) {
      const queue = this.names.delay(delayTtl(plan.delayMs, factor));
      return this.publisher.publish([{ exchange: '', routingKey: queue, envelope: next }]);
    }
    // Longer than every step: park until an absolute time, re-parking on arrival while early.
    next.notBefore = Date.now() + Math.round(plan.delayMs * factor);
    return this.park(next);
  }

  /** Sends a message that arrived before its `notBefore` back to the shortest fitting delay queue. */
  async park(envelope: Envelope): Promise<void> {
    const ttl = parkTtl(this.ttls, (envelope.notBefore ?? 0) - Date.now());
    await this.publisher.publish([{ exchange: '', routingKey: this.names.delay(ttl), envelope }]);
  }

  async bury(envelope: Envelope, reason: string): Promise<void> {
    await this.publisher.publish([
      { exchange: this.names.deadExchange, routingKey: envelope.delivery.topic, envelope: { ...envelope, notBefore: undefined, deadReason: reason, deadAt: Date.now() } },
    ]);
  }

  get logger(): Logger | undefined {
    return this.options.logger;
  }

  // ---- internals --------------------------------------------------------------------------------

  private async withChannel<T>(fn: (ch: Channel) => Promise<T>): Promise<T> {
    const link = await this.session.waitForLink(Date.now() + Math.min(this.publishTimeoutMs, 10_000));
    const ch = await link.model.createChannel();
    ch.on('error', () => undefined);
    try {
      return await fn(ch);
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /**
   * Reads the dead queue without consuming it: basic.get without ack, then closing the channel
   * returns every message not acked (`visit` acks and answers 'removed' for the ones it takes).
   * Browses of one bus run one at a time, and each waits until the broker has put the returned
   * messages back (quorum queues apply returns asynchronously), so the next browse sees them.
   * Browses from other processes at the same moment may see fewer messages.
   */
  private browseDead(visit: (msg: GetMessage, ch: Channel) => Promise<'keep' | 'stop' | 'removed'>): Promise<void> {
    const run = this.browsing.then(() => this.browseDeadOnce(visit));
    this.browsing = run.catch(() => undefined);
    return run;
  }

  private async browseDeadOnce(visit: (msg: GetMessage, ch: Channel) => Promise<'keep' | 'stop' | 'removed'>): Promise<void> {
    let before = 0;
    let taken = 0;
    let removed = 0;
    await this.withChannel(async (ch) => {
      before = (await ch.checkQueue(this.names.dead)).messageCount;
      for (let i = 0; i < before; i++) {
        const msg = await ch.get(this.names.dead, { noAck: false });
        if (!msg) break;
        taken++;
        const next = await visit(msg, ch);
        if (next === 'removed') removed++;
        if (next === 'stop') break;
      }
    });
    if (taken === removed) return;
    const deadline = Date.now() + 2_000;
    while (Date.now() < deadline) {
      const now = await this.withChannel(async (ch) => (await ch.checkQueue(this.names.dead)).messageCount);
      if (now >= before - removed) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private assertOpen() {
    if (this.closed) throw new BusClosedError();
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}
