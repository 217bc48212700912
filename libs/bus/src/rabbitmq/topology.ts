import type { Channel } from 'amqplib';
import { RABBITMQ_JITTER_FACTORS } from '../retry-schedule.js';

/**
 * Broker objects for one bus, all named under a prefix (default `pl.webhooks`; tests use a unique
 * one per run):
 *
 *   publish ──► <prefix> (topic, routing key = webhook topic) ──#──► <prefix>.work (quorum)
 *   retry ────► <prefix>.delay.<ttl> (quorum, x-message-ttl) ──expired, DLX──► <prefix>.retry (fanout) ──► <prefix>.work
 *   dead ─────► <prefix>.dead-letter (fanout) ──► <prefix>.dead (quorum)
 *   <prefix>.work past x-delivery-limit ──DLX──► <prefix>.dead-letter
 *
 * One delay queue per (step × jitter factor): every message in a queue has the same TTL, so the
 * head always expires first and nothing waits behind a longer message. Delay queues are named by
 * their TTL, so a changed schedule never redeclares a queue with different arguments, and messages
 * parked under the old schedule still flow back.
 *
 * Every queue is a quorum queue (replicated, durable). Dead-lettering out of the work and delay
 * queues uses `x-dead-letter-strategy: at-least-once` (RabbitMQ ≥ 3.10), which requires
 * `x-overflow: reject-publish`: the broker keeps a dead-lettered message in its source queue until
 * the target queue confirms it, so an expiring retry cannot be lost between the two queues.
 */
export interface TopologyNames {
  /** Topic exchange the publisher writes to. */
  exchange: string;
  /** Fanout exchange into the work queue: delay queues dead-letter here; immediate retries and resends go here. */
  retryExchange: string;
  /** Fanout exchange into the dead queue. */
  deadExchange: string;
  work: string;
  dead: string;
  delay(ttlMs: number): string;
}

export function topologyNames(prefix: string): TopologyNames {
  return {
    exchange: prefix,
    retryExchange: `${prefix}.retry`,
    deadExchange: `${prefix}.dead-letter`,
    work: `${prefix}.work`,
    dead: `${prefix}.dead`,
    delay: (ttlMs) => `${prefix}.delay.${ttlMs}`,
  };
}

/**
 * Park queues, declared whatever the schedule: they carry a retry whose `notBeforeMs` is longer
 * than every step (a `Retry-After` beyond the ladder) in a few hops.
 */
export const PARK_TTLS: readonly number[] = Object.freeze([1_000, 60_000, 3_600_000]);

/** The TTL of the delay queue for a step and a jitter factor. */
export function delayTtl(stepMs: number, factor: number): number {
  return Math.round(stepMs * factor);
}

/** Every delay queue TTL for a schedule (zero steps need none: they go straight back to work). */
export function delayTtls(schedule: readonly number[]): number[] {
  const ttls = new Set<number>(PARK_TTLS);
  for (const step of schedule) {
    if (step > 0) for (const factor of RABBITMQ_JITTER_FACTORS) ttls.add(delayTtl(step, factor));
  }
  return [...ttls].sort((a, b) => a - b);
}

/** Where to park a message that must wait `remainingMs` more: the longest TTL that fits, else the shortest. */
export function parkTtl(ttls: readonly number[], remainingMs: number): number {
  const fitting = ttls.filter((t) => t <= remainingMs);
  return fitting.length > 0 ? fitting[fitting.length - 1] : ttls[0];
}

export interface TopologyOptions {
  /** Deliveries of one message without ack before the work queue dead-letters it (poison messages). */
  deliveryLimit: number;
}

const QUORUM = { 'x-queue-type': 'quorum' };
const AT_LEAST_ONCE_DLX = { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' };

/** Idempotent: run on every (re)connection. A queue that exists with other arguments fails with 406 PRECONDITION_FAILED. */
export async function declareTopology(ch: Channel, names: TopologyNames, schedule: readonly number[], options: TopologyOptions): Promise<void> {
  await ch.assertExchange(names.exchange, 'topic', { durable: true });
  await ch.assertExchange(names.retryExchange, 'fanout', { durable: true });
  await ch.assertExchange(names.deadExchange, 'fanout', { durable: true });
  await ch.assertQueue(names.dead, { durable: true, arguments: { ...QUORUM } });
  await ch.bindQueue(names.dead, names.deadExchange, '');
  await ch.assertQueue(names.work, {
    durable: true,
    arguments: { ...QUORUM, ...AT_LEAST_ONCE_DLX, 'x-delivery-limit': options.deliveryLimit, 'x-dead-letter-exchange': names.deadExchange },
  });
  await ch.bindQueue(names.work, names.exchange, '#');
  await ch.bindQueue(names.work, names.retryExchange, '');
  for (const ttl of delayTtls(schedule)) {
    await ch.assertQueue(names.delay(ttl), {
      durable: true,
      arguments: { ...QUORUM, ...AT_LEAST_ONCE_DLX, 'x-message-ttl': ttl, 'x-dead-letter-exchange': names.retryExchange },
    });
  }
}

/** Removes everything declareTopology made (tests, and operators retiring a prefix). Messages in it are lost. */
export async function deleteTopology(ch: Channel, names: TopologyNames, schedule: readonly number[]): Promise<void> {
  for (const queue of [names.work, names.dead, ...delayTtls(schedule).map(names.delay)]) await ch.deleteQueue(queue);
  for (const exchange of [names.exchange, names.retryExchange, names.deadExchange]) await ch.deleteExchange(exchange);
}
