import type { Channel, ConsumeMessage, Message } from 'amqplib';
import type { Consumer, Handler, Outcome } from '../bus.port.js';
import { handlerErrorReason, normalizeOutcome } from '../outcome.js';
import { malformedEnvelope, readEnvelope } from './envelope.js';
import type { RabbitMqBus } from './rabbitmq-bus.js';
import type { AmqpSession, Link } from './session.js';

/**
 * One consumer channel per connection: prefetch = concurrency, manual acks. The outcome's follow-up
 * (retry or dead letter) is confirmed before the original is acked; an ack on a channel that died
 * meanwhile is skipped, since the broker has already requeued the original.
 */
export class RabbitConsumer implements Consumer {
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
