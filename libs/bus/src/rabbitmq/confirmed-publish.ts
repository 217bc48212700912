import type { Channel } from 'amqplib';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { encode, type Publication } from './envelope.js';
import type { AmqpSession, Link } from './session.js';
import { BusClosedError } from './session.js';
import { declareTopology, type TopologyNames } from './topology.js';

export interface ConfirmedPublisherOptions {
  publishTimeoutMs: number;
  deliveryLimit: number;
  logger?: Logger;
}

/** Every publish of the bus (new messages, retries, parking, dead letters) goes through here. */
export class ConfirmedPublisher {
  /** Tags each publish so that a broker return can be matched to it. */
  private readonly instanceId = randomUUID().slice(0, 8);
  private publishSeq = 0;

  constructor(
    private readonly session: AmqpSession,
    private readonly names: TopologyNames,
    private readonly schedule: readonly number[],
    private readonly options: ConfirmedPublisherOptions,
  ) {}

  /**
   * Publishes persistent, mandatory messages on the confirm channel and resolves once the broker has
   * confirmed every one. Unconfirmed ones (connection lost, nack, unroutable) are published again on
   * the next connection until `publishTimeoutMs` runs out: duplicates are possible, losses are not.
   */
  async publish(publications: Publication[]): Promise<void> {
    const deadline = Date.now() + this.options.publishTimeoutMs;
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
      `publish: ${pending.length} of ${publications.length} message(s) not confirmed by RabbitMQ within ${this.options.publishTimeoutMs} ms` +
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
      await declareTopology(link.pub, this.names, this.schedule, { deliveryLimit: this.options.deliveryLimit });
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'bus: re-declaring the topology failed');
    }
  }
}

class UnroutableError extends Error {
  constructor(exchange: string, routingKey: string) {
    super(`unroutable: no queue bound for exchange "${exchange}" routing key "${routingKey}" (topology deleted?)`);
    this.name = 'UnroutableError';
  }
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
