import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type GetMessage, type Message, type Options } from 'amqplib';
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
import { RABBITMQ_JITTER_FACTORS, planRetry } from '../retry-schedule.js';
import { declareTopology, delayTtl, delayTtls, deleteTopology, parkTtl, type TopologyNames, topologyNames } from './topology.js';

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
}

/** Header names (AMQP headers; everything else is a message property). */
const H = {
  endpointId: 'x-pl-endpoint-id',
  attempt: 'x-pl-attempt',
  step: 'x-pl-step',
  firstEnqueuedAt: 'x-pl-first-enqueued-at',
  notBefore: 'x-pl-not-before',
  headers: 'x-pl-headers',
  deadReason: 'x-pl-dead-reason',
  deadAt: 'x-pl-dead-at',
  publishId: 'x-pl-publish-id',
} as const;

/** What travels: the port's fields plus where the message is on the ladder. */
interface Envelope {
  delivery: Delivery;
  /** Next unused ladder index. */
  step: number;
  notBefore?: number;
  deadReason?: string;
  deadAt?: number;
}

interface Publication {
  exchange: string;
  routingKey: string;
  envelope: Envelope;
}

/** One live connection: its confirm channel for every publish, and the returns seen on it. */
interface Link {
  model: ChannelModel;
  pub: ConfirmChannel;
  returned: Set<string>;
  generation: number;
}

export class BusClosedError extends Error {
  constructor() {
    super('bus is closed');
    this.name = 'BusClosedError';
  }
}

/**
 * The connection, with reconnection: exponential backoff, the topology re-declared on every
 * connection, then `up` is emitted so consumers re-attach. Any unexpected close of the publish
 * channel closes the whole connection, so there is one recovery path.
 */
class AmqpSession extends EventEmitter {
  link: Link | null = null;
  lastError: Error | undefined;
  private connecting: Promise<void> | null = null;
  private stopped = false;
  private backoff: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  private generation = 0;

  constructor(
    private readonly url: string,
    private readonly names: TopologyNames,
    private readonly schedule: readonly number[],
    private readonly options: Required<Pick<RabbitMqBusOptions, 'deliveryLimit' | 'reconnectDelayMs' | 'heartbeatSeconds' | 'connectionName'>>,
    private readonly logger: Logger | undefined,
  ) {
    super();
    this.setMaxListeners(0);
  }

  ensureConnecting(): void {
    if (this.stopped || this.link || this.connecting) return;
    this.connecting = this.connectLoop().finally(() => (this.connecting = null));
  }

  /** The live link, waiting for a reconnection until `deadline` (epoch ms). */
  async waitForLink(deadline: number): Promise<Link> {
    for (;;) {
      if (this.stopped) throw new BusClosedError();
      if (this.link) return this.link;
      this.ensureConnecting();
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`RabbitMQ unreachable${this.lastError ? `: ${this.lastError.message}` : ''}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.off('up', done);
          this.off('stopped', done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.once('up', done);
        this.once('stopped', done);
      });
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.backoff) {
      clearTimeout(this.backoff.timer);
      this.backoff.wake();
    }
    this.emit('stopped');
    const link = this.link;
    this.link = null;
    if (link) await link.model.close().catch(() => undefined);
  }

  /** Forces a reconnection (used when a channel died under a live connection). */
  drop(link: Link, reason: string): void {
    if (this.link !== link) return;
    this.logger?.warn({ reason }, 'bus: dropping the RabbitMQ connection to recover');
    link.model.close().catch(() => undefined);
  }

  private async connectLoop(): Promise<void> {
    const { initial, max } = this.options.reconnectDelayMs;
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.connectOnce();
        return;
      } catch (error) {
        this.lastError = error as Error;
        const base = Math.min(max, initial * 2 ** attempt);
        const delay = Math.round(base * (0.8 + 0.4 * Math.random()));
        this.logger?.warn({ err: error, attempt: attempt + 1, delay }, 'bus: RabbitMQ connection failed; retrying');
        this.emit('connect-failed', error);
        if (this.stopped) return;
        await new Promise<void>((wake) => (this.backoff = { timer: setTimeout(wake, delay), wake }));
        this.backoff = undefined;
      }
    }
  }

  private async connectOnce(): Promise<void> {
    const url = new URL(this.url);
    if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(this.options.heartbeatSeconds));
    const model = await amqp.connect(url.toString(), {
      timeout: 5_000,
      // amqplib leaves Nagle on. One connection carries publishes and a consumer's acks: a small
      // frame written while another is unacknowledged waited for the broker's delayed ACK (≈ 40 ms),
      // which was most of the end-to-end latency of a webhook on RabbitMQ.
      noDelay: true,
      clientProperties: { connection_name: this.options.connectionName },
    });
    let link: Link | undefined;
    model.on('error', (error: Error) => this.logger?.warn({ err: error }, 'bus: RabbitMQ connection error'));
    model.on('blocked', (reason: string) => this.logger?.warn({ reason }, 'bus: RabbitMQ blocked publishing (resource alarm)'));
    model.on('close', (error?: Error) => {
      if (!link || this.link !== link) return;
      this.link = null;
      this.lastError = error ?? new Error('connection closed');
      this.logger?.warn({ err: error }, 'bus: RabbitMQ connection lost; reconnecting');
      this.emit('down', error);
      this.ensureConnecting();
    });
    try {
      if (this.stopped) throw new BusClosedError();
      const pub = await model.createConfirmChannel();
      const returned = new Set<string>();
      pub.on('error', (error: Error) => this.logger?.warn({ err: error }, 'bus: RabbitMQ publish channel error'));
      pub.on('return', (msg: Message) => {
        const id = msg.properties.headers?.[H.publishId];
        if (typeof id === 'string') returned.add(id);
      });
      await declareTopology(pub, this.names, this.schedule, { deliveryLimit: this.options.deliveryLimit });
      if (this.stopped) throw new BusClosedError();
      link = { model, pub, returned, generation: ++this.generation };
      pub.on('close', () => {
        if (this.link === link) this.drop(link, 'publish channel closed');
      });
      this.link = link;
      this.lastError = undefined;
      this.emit('up', link);
    } catch (error) {
      await model.close().catch(() => undefined);
      throw error;
    }
  }
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
  private readonly instanceId = randomUUID().slice(0, 8);
  private publishSeq = 0;
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
    await this.publishConfirmed(
      messages.map((m) => ({
        exchange: this.names.exchange,
        routingKey: m.topic,
        envelope: { delivery: { ...m, attempt: 1, firstEnqueuedAt: new Date(now), redelivered: false }, step: 0 },
      })),
    );
  }

  consume(handler: Handler, options: ConsumeOptions = {}): Consumer {
    this.assertOpen();
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
    const consumer = new RabbitConsumer(this, this.session, handler, concurrency, () => this.consumers.delete(consumer));
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
      const delivery: Delivery = { ...envelope.delivery, attempt: 1, firstEnqueuedAt: new Date(), redelivered: false };
      await this.publishConfirmed([{ exchange: this.names.retryExchange, routingKey: delivery.topic, envelope: { delivery, step: 0 } }]);
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
    const plan = planRetry(this.retrySchedule, envelope.step, outcome.notBeforeMs);
    if (plan.kind === 'exhausted') return this.bury(envelope, exhaustedReason(envelope.delivery.attempt, outcome.reason));
    const next: Envelope = {
      delivery: { ...envelope.delivery, attempt: envelope.delivery.attempt + 1, redelivered: false },
      step: plan.step + 1,
    };
    if (plan.delayMs === 0) {
      return this.publishConfirmed([{ exchange: this.names.retryExchange, routingKey: next.delivery.topic, envelope: next }]);
    }
    const factor = RABBITMQ_JITTER_FACTORS[Math.floor((this.options.random ?? Math.random)() * RABBITMQ_JITTER_FACTORS.length)] ?? 1;
    if (!plan.overflow) {
      const queue = this.names.delay(delayTtl(plan.delayMs, factor));
      return this.publishConfirmed([{ exchange: '', routingKey: queue, envelope: next }]);
    }
    // Longer than every step: park until an absolute time, re-parking on arrival while early.
    next.notBefore = Date.now() + Math.round(plan.delayMs * factor);
    return this.park(next);
  }

  /** Sends a message that arrived before its `notBefore` back to the shortest fitting delay queue. */
  async park(envelope: Envelope): Promise<void> {
    const ttl = parkTtl(this.ttls, (envelope.notBefore ?? 0) - Date.now());
    await this.publishConfirmed([{ exchange: '', routingKey: this.names.delay(ttl), envelope }]);
  }

  async bury(envelope: Envelope, reason: string): Promise<void> {
    await this.publishConfirmed([
      { exchange: this.names.deadExchange, routingKey: envelope.delivery.topic, envelope: { ...envelope, notBefore: undefined, deadReason: reason, deadAt: Date.now() } },
    ]);
  }

  get logger(): Logger | undefined {
    return this.options.logger;
  }

  // ---- internals --------------------------------------------------------------------------------

  /**
   * Publishes persistent, mandatory messages on the confirm channel and resolves once the broker has
   * confirmed every one. Unconfirmed ones (connection lost, nack, unroutable) are published again on
   * the next connection until `publishTimeoutMs` runs out: duplicates are possible, losses are not.
   */
  private async publishConfirmed(publications: Publication[]): Promise<void> {
    const deadline = Date.now() + this.publishTimeoutMs;
    let pending = publications;
    let lastError: unknown;
    for (let round = 0; pending.length > 0; round++) {
      if (round > 0) {
        if (Date.now() >= deadline) break;
        await new Promise((resolve) => setTimeout(resolve, Math.min(50 * round, 1_000, Math.max(0, deadline - Date.now()))));
      }
      let link: Link;
      try {
        link = await this.session.waitForLink(deadline);
      } catch (error) {
        lastError = error;
        if (error instanceof BusClosedError) throw error;
        break;
      }
      const results = await this.publishOnLink(link, pending, deadline);
      const failed = pending.filter((_, i) => results[i] !== null);
      if (failed.length === 0) return;
      lastError = results.find((r) => r !== null);
      if (results.some((r) => r instanceof UnroutableError)) await this.redeclare(link);
      pending = failed;
    }
    throw new Error(
      `publish: ${pending.length} of ${publications.length} message(s) not confirmed by RabbitMQ within ${this.publishTimeoutMs} ms` +
        (lastError ? ` (${(lastError as Error).message ?? String(lastError)})` : ''),
    );
  }

  /** One round on one channel: null per confirmed publication, else its error. */
  private async publishOnLink(link: Link, publications: Publication[], deadline: number): Promise<(Error | null)[]> {
    const confirms: Promise<Error | null>[] = [];
    for (const p of publications) {
      const id = `${this.instanceId}.${++this.publishSeq}`;
      const { content, options } = encode(p.envelope, id);
      let writable = true;
      confirms.push(
        new Promise<Error | null>((resolve) => {
          try {
            writable = link.pub.publish(p.exchange, p.routingKey, content, options, (error: unknown) => {
              if (error) resolve(error instanceof Error ? error : new Error(`broker nack: ${String(error)}`));
              else if (link.returned.delete(id)) resolve(new UnroutableError(p.exchange, p.routingKey));
              else resolve(null);
            });
          } catch (error) {
            resolve(error as Error); // the channel is already closed
          }
        }),
      );
      // Back-pressure: let the socket drain before writing more.
      if (!writable) await waitDrain(link.pub, deadline);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
    });
    try {
      const settled = await Promise.race([Promise.all(confirms), timeout]);
      return settled === 'timeout' ? confirms.map(() => new Error('no confirm before the publish timeout')) : settled;
    } finally {
      clearTimeout(timer);
    }
  }

  private async redeclare(link: Link): Promise<void> {
    try {
      await declareTopology(link.pub, this.names, this.retrySchedule, { deliveryLimit: this.options.deliveryLimit ?? 20 });
    } catch (error) {
      this.logger?.warn({ err: error }, 'bus: re-declaring the topology failed');
    }
  }

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

class UnroutableError extends Error {
  constructor(exchange: string, routingKey: string) {
    super(`unroutable: no queue bound for exchange "${exchange}" routing key "${routingKey}" (topology deleted?)`);
    this.name = 'UnroutableError';
  }
}

/**
 * One consumer channel per connection: prefetch = concurrency, manual acks. The outcome's follow-up
 * (retry or dead letter) is confirmed before the original is acked; an ack on a channel that died
 * meanwhile is skipped, since the broker has already requeued the original.
 */
class RabbitConsumer implements Consumer {
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private channel: Channel | null = null;
  private consumerTag: string | null = null;
  private readonly deadChannels = new WeakSet<Channel>();
  private readonly inFlight = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;
  private attaching = false;
  private readonly onUp = (link: Link) => void this.attach(link);

  constructor(
    private readonly bus: RabbitMqBus,
    private readonly session: AmqpSession,
    private readonly handler: Handler,
    private readonly concurrency: number,
    private readonly onClosed: () => void,
  ) {
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
    session.on('up', this.onUp);
    if (session.link) void this.attach(session.link);
    else session.ensureConnecting();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.session.off('up', this.onUp);
      const ch = this.channel;
      if (ch && this.consumerTag && !this.deadChannels.has(ch)) await ch.cancel(this.consumerTag).catch(() => undefined);
      while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
      if (ch) await ch.close().catch(() => undefined);
      this.channel = null;
      this.resolveReady();
      this.onClosed();
    })();
    return this.closing;
  }

  private async attach(link: Link): Promise<void> {
    if (this.closing || this.attaching || (this.channel && !this.deadChannels.has(this.channel))) return;
    this.attaching = true;
    try {
      const ch = await link.model.createChannel();
      ch.on('error', (error: Error) => this.bus.logger?.warn({ err: error }, 'bus: RabbitMQ consumer channel error'));
      ch.on('close', () => {
        this.deadChannels.add(ch);
        if (this.channel !== ch) return;
        this.channel = null;
        // A channel-only failure under a live connection: reconnect everything.
        if (!this.closing && this.session.link === link) this.session.drop(link, 'consumer channel closed');
      });
      await ch.prefetch(this.concurrency);
      this.channel = ch;
      const { consumerTag } = await ch.consume(this.bus.names.work, (msg) => this.onMessage(ch, link, msg), { noAck: false });
      this.consumerTag = consumerTag;
      if (this.closing) await ch.cancel(consumerTag).catch(() => undefined);
      this.resolveReady();
    } catch (error) {
      // The connection went away while attaching; the next `up` attaches again.
      this.bus.logger?.warn({ err: error }, 'bus: attaching the consumer failed; waiting for the next connection');
    } finally {
      this.attaching = false;
    }
  }

  private onMessage(ch: Channel, link: Link, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // Cancelled by the broker (queue deleted or failed over): recover through a reconnection.
      this.session.drop(link, 'consumer cancelled by the broker');
      return;
    }
    if (this.closing) {
      this.settleOriginal(ch, msg, 'requeue');
      return;
    }
    const work = this.handle(ch, msg).finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  private async handle(ch: Channel, msg: ConsumeMessage): Promise<void> {
    const envelope = readEnvelope(msg);
    try {
      if (!envelope) {
        await this.bus.bury(malformedEnvelope(msg), 'malformed message: missing messageId or x-pl-endpoint-id header');
      } else if (envelope.notBefore !== undefined && envelope.notBefore > Date.now()) {
        await this.bus.park(envelope);
      } else {
        let outcome: Outcome;
        try {
          outcome = normalizeOutcome(await this.handler(envelope.delivery));
        } catch (error) {
          this.bus.logger?.warn({ err: error, messageId: envelope.delivery.messageId, endpointId: envelope.delivery.endpointId }, 'bus: handler threw; retrying');
          outcome = { kind: 'retry', reason: handlerErrorReason(error) };
        }
        await this.bus.settle(envelope, outcome);
      }
      this.settleOriginal(ch, msg, 'ack');
    } catch (error) {
      // The follow-up could not be confirmed in time: give the original back to the broker.
      this.bus.logger?.error({ err: error, messageId: msg.properties.messageId }, 'bus: could not record the outcome; requeueing the delivery');
      this.settleOriginal(ch, msg, 'requeue');
    }
  }

  private settleOriginal(ch: Channel, msg: Message, how: 'ack' | 'requeue'): void {
    if (this.deadChannels.has(ch)) return;
    try {
      if (how === 'ack') ch.ack(msg);
      else ch.nack(msg, false, true);
    } catch {
      // The channel closed under us: the broker requeues the message itself.
    }
  }
}

// ---- wire format ------------------------------------------------------------------------------

function encode(envelope: Envelope, publishId: string): { content: Buffer; options: Options.Publish } {
  const d = envelope.delivery;
  const headers: Record<string, string> = {
    [H.endpointId]: d.endpointId,
    [H.attempt]: String(d.attempt),
    [H.step]: String(envelope.step),
    [H.firstEnqueuedAt]: String(d.firstEnqueuedAt.getTime()),
    [H.publishId]: publishId,
  };
  if (d.headers && Object.keys(d.headers).length > 0) headers[H.headers] = JSON.stringify(d.headers);
  if (envelope.notBefore !== undefined) headers[H.notBefore] = String(envelope.notBefore);
  if (envelope.deadReason !== undefined) headers[H.deadReason] = envelope.deadReason;
  if (envelope.deadAt !== undefined) headers[H.deadAt] = String(envelope.deadAt);
  return {
    content: Buffer.from(d.body, 'utf8'),
    options: {
      persistent: true,
      mandatory: true,
      messageId: d.messageId,
      type: d.topic,
      contentType: 'application/json',
      timestamp: Math.floor(d.firstEnqueuedAt.getTime() / 1000),
      headers,
    },
  };
}

function header(msg: Message, name: string): string | undefined {
  const value = msg.properties.headers?.[name];
  if (value === undefined || value === null) return undefined;
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

function numberHeader(msg: Message, name: string): number | undefined {
  const text = header(msg, name);
  const n = text === undefined ? NaN : Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** undefined when the message lacks what a delivery needs (published by something else). */
function readEnvelope(msg: Message): Envelope | undefined {
  const messageId = msg.properties.messageId as string | undefined;
  const endpointId = header(msg, H.endpointId);
  if (!messageId || !endpointId) return undefined;
  const first = numberHeader(msg, H.firstEnqueuedAt) ?? (msg.properties.timestamp ? Number(msg.properties.timestamp) * 1000 : Date.now());
  const userHeaders = header(msg, H.headers);
  const delivery: Delivery = {
    messageId,
    topic: (msg.properties.type as string | undefined) || msg.fields.routingKey,
    endpointId,
    body: msg.content.toString('utf8'),
    attempt: numberHeader(msg, H.attempt) ?? 1,
    firstEnqueuedAt: new Date(first),
    redelivered: Boolean(msg.fields.redelivered),
  };
  if (userHeaders) delivery.headers = JSON.parse(userHeaders);
  return {
    delivery,
    step: numberHeader(msg, H.step) ?? 0,
    notBefore: numberHeader(msg, H.notBefore),
    deadReason: header(msg, H.deadReason),
    deadAt: numberHeader(msg, H.deadAt),
  };
}

function malformedEnvelope(msg: Message): Envelope {
  return {
    delivery: {
      messageId: (msg.properties.messageId as string | undefined) ?? '',
      topic: (msg.properties.type as string | undefined) || msg.fields.routingKey,
      endpointId: header(msg, H.endpointId) ?? '',
      body: msg.content.toString('utf8'),
      attempt: 1,
      firstEnqueuedAt: new Date(),
      redelivered: false,
    },
    step: 0,
    deadReason: header(msg, H.deadReason),
    deadAt: numberHeader(msg, H.deadAt),
  };
}

function toDeadLetter(envelope: Envelope, msg: Message): DeadLetter {
  // No reason header: the broker dead-lettered it (work queue delivery limit), see x-death.
  const death = (msg.properties.headers?.['x-death'] as { reason?: string; time?: { value?: number } | Date }[] | undefined)?.[0];
  const reason =
    envelope.deadReason ??
    (death?.reason === 'delivery_limit' ? 'delivery limit: handed out too many times without an outcome (workers crashing?)' : `dead-lettered by the broker: ${death?.reason ?? 'unknown'}`);
  const deathTime = death?.time instanceof Date ? death.time.getTime() : typeof death?.time?.value === 'number' ? death.time.value * 1000 : undefined;
  return { ...envelope.delivery, redelivered: false, reason, deadAt: new Date(envelope.deadAt ?? deathTime ?? Date.now()) };
}

function waitDrain(ch: Channel, deadline: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      ch.off('drain', done);
      ch.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
    ch.once('drain', done);
    ch.once('close', done);
  });
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
