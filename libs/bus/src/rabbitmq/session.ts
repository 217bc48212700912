import amqp, { type ChannelModel, type ConfirmChannel, type Message } from 'amqplib';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { H } from './envelope.js';
import { declareTopology, type TopologyNames } from './topology.js';
import { batchWritesOf } from './write-batching.js';

export interface SessionOptions {
  deliveryLimit: number;
  reconnectDelayMs: { initial: number; max: number };
  heartbeatSeconds: number;
  connectionName: string;
}

/** One live connection: its confirm channel for every publish, and the returns seen on it. */
export interface Link {
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
export class AmqpSession extends EventEmitter {
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
    private readonly options: SessionOptions,
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
    // One writev for the frames of a turn (write-batching.ts).
    batchWritesOf(model);
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
