/**
 * The bus port: webhook delivery jobs from the publisher to competing delivery workers. Two
 * adapters, the SQLite queue (embedded default, same file as the event store) and RabbitMQ
 * (`AMQP_URL`); the contract suite in `contract/` is the executable definition of this file.
 *
 * Guarantees, identical for both adapters:
 * - `publish` resolves only once every message is durable (SQLite commit with synchronous=FULL /
 *   RabbitMQ publisher confirm of a persistent message on quorum queues). A caller advances its
 *   checkpoint after that, never before; if `publish` rejects, some messages may still have been
 *   stored, so publishing again after a failure (or after a crash) may duplicate them.
 * - At-least-once delivery. A message is handed to one consumer at a time (lease / unacked
 *   delivery), but it can be delivered again when a worker crashes or loses its connection or lease
 *   before the outcome is recorded, and a publisher can publish it twice. De-duplicating is the
 *   consumer's job, by (messageId, endpointId): that pair is the `webhook-id` of the POST.
 * - No ordering: neither adapter promises that messages are delivered in publish order, not even
 *   for one endpoint (retries, several workers and redeliveries reorder them). Ordered delivery
 *   per partner is built above the bus, with the `defer` outcome (webhook-runtime's `ordering/`).
 * - Retries follow the schedule (see `retry-schedule.ts`): jittered waits that are never shorter
 *   than the step or than a requested `notBeforeMs`; past the last step → dead letter, kept until
 *   someone requeues it.
 */

export interface OutgoingMessage {
  /** The event id. Stable across retries, resends and replays. */
  messageId: string;
  /** The webhook topic, e.g. `NEW_CONVERSION` (the RabbitMQ routing key). */
  topic: string;
  /** The endpoint this delivery is for: one message per (event, endpoint), so endpoints retry independently. */
  endpointId: string;
  /** The payload, usually JSON, delivered byte for byte. */
  body: string;
  /** Carried as they are (e.g. a correlation id); not interpreted by the bus. */
  headers?: Record<string, string>;
}

export interface Delivery extends OutgoingMessage {
  /** 1 for the first try; +1 per retry; back to 1 when a dead letter is requeued. */
  attempt: number;
  /**
   * The retry schedule's next step for this message: 0 at the first try and after a requeue, then
   * one past the step its last retry waited (a long `notBeforeMs` skips steps, so it can run ahead
   * of `attempt - 1`). `planRetry(retrySchedule, retryStep, notBeforeMs)` answers whether a
   * `retry` outcome now dead-letters it, which the delivery worker logs as such.
   */
  retryStep: number;
  /** When the current ladder began: the publish, or the requeue of a dead letter. */
  firstEnqueuedAt: Date;
  /**
   * This same attempt was handed out before and its outcome never recorded (a worker crashed or
   * lost its connection/lease). The earlier handler may have run, in part or fully.
   */
  redelivered: boolean;
}

export type Outcome =
  | { kind: 'ack' }
  /**
   * Try again at the next ladder step. `notBeforeMs` (e.g. from `Retry-After`): not before that many
   * ms from now; the first remaining step at least that long is used (shorter ones are skipped).
   * Past the last step the message is dead-lettered with reason "retries exhausted: <reason>".
   */
  | { kind: 'retry'; notBeforeMs?: number; reason?: string }
  /**
   * Not attempted (the endpoint is throttled, paused or its circuit is open, or the delivery is held
   * back behind an earlier one of its partner: webhook-runtime's `ordering/`): back to the queue, not
   * before `delayMs` from now, with its `attempt` and `retryStep` unchanged, so waiting for an
   * endpoint never spends a retry. RabbitMQ parks it in the shortest park queue that covers the
   * wait (1 s at least), so it may come back a little later than asked, never earlier.
   */
  | { kind: 'defer'; delayMs: number; reason?: string }
  /** No point retrying (e.g. 410 Gone): dead-letter now. */
  | { kind: 'dead'; reason: string };

export interface DeadLetter extends Delivery {
  reason: string;
  deadAt: Date;
}

/** One delivery job: the same event goes to each endpoint as its own message. */
export interface DeliveryKey {
  messageId: string;
  endpointId: string;
}

export interface ConsumeOptions {
  /** Handlers running at once in this consumer (RabbitMQ prefetch). Default 1. */
  concurrency?: number;
}

export interface Consumer {
  /** Resolves once the consumer is attached (RabbitMQ: basic.consume confirmed). */
  readonly ready: Promise<void>;
  /**
   * Stops taking new deliveries, waits for the handlers in flight and records their outcomes.
   * Messages not yet started go back to the queue for other consumers.
   */
  close(): Promise<void>;
}

export interface BusStats {
  /** Deliverable now (RabbitMQ: ready in the work queue; unacknowledged ones are not counted). */
  ready: number;
  /** Waiting for a retry step. */
  delayed: number;
  dead: number;
}

export type Handler = (delivery: Delivery) => Promise<Outcome>;

export interface Bus {
  readonly kind: 'sqlite' | 'rabbitmq';
  /** Retry waits in ms (the first attempt is immediate and not listed). */
  readonly retrySchedule: readonly number[];
  /**
   * Resolves only once every message is durable (SQLite commit / broker confirm). Callers advance
   * their checkpoint after it. Rejects on invalid messages before storing any. RabbitMQ: while the
   * broker is unreachable it waits for the reconnection (bounded by the adapter's publish timeout)
   * rather than failing fast, and republishes what was not confirmed.
   */
  publish(messages: OutgoingMessage[]): Promise<void>;
  /**
   * A competing consumer: every consumer on the same queue (any process) shares the work. The
   * handler decides each delivery's outcome; a handler that throws counts as `retry`.
   */
  consume(handler: Handler, options?: ConsumeOptions): Consumer;
  /** Dead letters, oldest first (roughly, on RabbitMQ: queue order). Default limit 100. */
  deadLetters(options?: { endpointId?: string; limit?: number }): Promise<DeadLetter[]>;
  /**
   * Puts the dead letters with this key back at attempt 1 (a resend), ready now. Returns how many
   * were requeued (0 when none matched).
   */
  requeueDeadLetter(key: DeliveryKey): Promise<number>;
  stats(): Promise<BusStats>;
  /** Cheap liveness probe for /health: rejects while disconnected. */
  ping(): Promise<void>;
  /** Closes the consumers (waiting for their handlers), then the connection. */
  close(): Promise<void>;
}

/** Throws a TypeError naming the first invalid message; called by `publish` before storing anything. */
export function validateMessages(messages: OutgoingMessage[]): void {
  if (!Array.isArray(messages)) throw new TypeError('publish expects an array of messages');
  messages.forEach((m, i) => {
    const at = `message ${i}`;
    for (const field of ['messageId', 'topic', 'endpointId'] as const) {
      if (typeof m?.[field] !== 'string' || m[field].length === 0) throw new TypeError(`${at}: ${field} must be a non-empty string`);
    }
    if (typeof m.body !== 'string') throw new TypeError(`${at}: body must be a string`);
    if (m.headers !== undefined) {
      if (m.headers === null || typeof m.headers !== 'object') throw new TypeError(`${at}: headers must be an object of strings`);
      for (const [k, v] of Object.entries(m.headers)) {
        if (typeof v !== 'string') throw new TypeError(`${at}: header ${k} must be a string`);
      }
    }
  });
}
