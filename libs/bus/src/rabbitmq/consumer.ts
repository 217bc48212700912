import type { Channel, ConsumeMessage, Message } from 'amqplib';
import type { Consumer, Handler, Outcome } from '../bus.port.js';
import { handlerErrorReason, normalizeOutcome } from '../outcome.js';
import { malformedEnvelope, readEnvelope } from './envelope.js';
import type { RabbitMqBus } from './rabbitmq-bus.js';
import type { AmqpSession, Link } from './session.js';

/**
 * The acknowledgements of one consumer channel, sent in batches: the deliveries that finished
 * since the last batch are acked together, at the next turn of the event loop (or `delayMs`
 * later), with one `basic.ack` (multiple) for those below every delivery still in flight and one
 * each for the rest (an ack with `multiple` would also ack the ones still in flight). A delivery is
 * put here only once its outcome is recorded (its log write and follow-up publish done), so a
 * worker that dies with acks not yet sent loses nothing: the broker hands those deliveries out
 * again (`redelivered`), they are attempted again with the same `webhook-id`, and receivers
 * deduplicate. Requeues (nacks) are not batched.
 */
class AckBatch {
  /** Delivery tags handed to this consumer and not yet settled (acked, nacked, or waiting here). */
  private readonly open = new Set<number>();
  private waiting: Message[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;

  constructor(
    private readonly ch: Channel,
    private readonly delayMs: number,
    private readonly isDead: () => boolean,
  ) {}

  received(msg: Message): void {
    this.open.add(msg.fields.deliveryTag);
  }

  ack(msg: Message): void {
    this.open.delete(msg.fields.deliveryTag);
    if (this.waiting.push(msg) > 1) return;
    this.timer = this.delayMs > 0 ? setTimeout(() => this.flush(), this.delayMs) : setImmediate(() => this.flush());
  }

  requeue(msg: Message): void {
    this.open.delete(msg.fields.deliveryTag);
    if (this.isDead()) return;
    try {
      this.ch.nack(msg, false, true);
    } catch {
      // The channel closed under us: the broker requeues the message itself.
    }
  }

  /** Sends the acks waiting. A dead channel's are dropped: the broker has requeued those deliveries. */
  flush(): void {
    if (this.timer) (this.delayMs > 0 ? clearTimeout : clearImmediate)(this.timer as never);
    this.timer = undefined;
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0 || this.isDead()) return;
    let lowestOpen = Infinity;
    for (const tag of this.open) if (tag < lowestOpen) lowestOpen = tag;
    let below: Message | null = null;
    try {
      for (const msg of batch) {
        if (msg.fields.deliveryTag >= lowestOpen) this.ch.ack(msg);
        else if (!below || msg.fields.deliveryTag > below.fields.deliveryTag) below = msg;
      }
      if (below) this.ch.ack(below, true);
    } catch {
      // The channel closed under us: the broker requeues the messages itself.
    }
  }
}

/**
 * One consumer channel per connection: prefetch = concurrency, manual acks, sent in batches
 * (AckBatch). The outcome's follow-up (retry or dead letter) is confirmed before the original is
 * acked; an ack on a channel that died meanwhile is skipped, since the broker has already requeued
 * the original.
 */
export class RabbitConsumer implements Consumer {
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private channel: Channel | null = null;
  private consumerTag: string | null = null;
  private readonly deadChannels = new WeakSet<Channel>();
  private readonly acks = new WeakMap<Channel, AckBatch>();
  private readonly inFlight = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;
  private attaching = false;
  private readonly onUp = (link: Link) => void this.attach(link);

  constructor(
    private readonly bus: RabbitMqBus,
    private readonly session: AmqpSession,
    private readonly handler: Handler,
    private readonly concurrency: number,
    private readonly ackBatchMs: number,
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
      if (ch) this.acks.get(ch)?.flush();
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
      this.acks.set(ch, new AckBatch(ch, this.ackBatchMs, () => this.deadChannels.has(ch)));
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
    this.acks.get(ch)!.received(msg);
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
    const acks = this.acks.get(ch)!;
    if (how === 'ack') acks.ack(msg);
    else acks.requeue(msg);
  }
}
