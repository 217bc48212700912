import type { Logger } from 'pino';
import { request, type Dispatcher } from 'undici';
import { type Bus, type Consumer, type Delivery, type Outcome, planRetry } from '@partner-ledger/bus';
import { contextOfTraceparent, inSpan, SpanKind, SpanStatusCode, traceHeaders, TRACEPARENT, tracingEnabled } from '@partner-ledger/telemetry';
import { DURABLE, type ReadStore } from '@partner-ledger/read-store';
import { EndpointCache } from '../endpoints/endpoint-cache.js';
import { CONFIG_NAMESPACE, endpointChanged, ENDPOINTS, type WebhookEndpoint } from '../endpoints/endpoint-repository.js';
import { activeSecrets } from '../endpoints/secrets.js';
import { parseRetryAfter } from '@partner-ledger/webhooks';
import { signHeaders, webhookIdFor } from '@partner-ledger/webhooks';
import type { Topic } from '@partner-ledger/webhooks';
import { CircuitEvents } from './circuit-events.js';
import { bodyFactsOf, type BodyFacts, OrderingGate } from '../ordering/ordering-gate.js';
import { type Attempt, DeliveryLog } from './delivery-log.js';
import { DEFAULT_GATE_SETTINGS, EndpointGate, type GateSettings, type Ticket, verdictOf } from './endpoint-gate.js';

export const AUTO_DISABLE_AFTER_MS = 5 * 24 * 3600 * 1000;
/** Deliveries a struggling endpoint's lane holds waiting for a slot; past it they go back to the bus (see `deliver`). */
export const MAX_WAITING_PER_ENDPOINT = 64;
/** How often lanes that turned struggling give back what they hold past MAX_WAITING_PER_ENDPOINT. */
const SWEEP_INTERVAL_MS = 250;

interface Lane {
  active: number[];
  /** Each is called with true (a slot is free: go) or false (give the delivery back to the bus). */
  waiting: ((go: boolean) => void)[];
  strugglingUntil: number;
}
const RESPONSE_KEPT = 1024;

export interface DeliveryWorkerOptions {
  /** The guarded, keep-alive dispatcher (see ssrf.ts). */
  dispatcher: Dispatcher;
  concurrency?: number;
  /**
   * Attempts one healthy endpoint may have in flight in this worker (default 16); a struggling one
   * (failed in the last 30 s, or an attempt in flight for over `slowAttemptMs`) gets 2. Deliveries
   * past the limit wait in that endpoint's own lane. A struggling lane holds at most 64 waiting;
   * the rest go back to the bus for their next retry step, so a slow or hanging endpoint cannot take
   * the bus slots (`concurrency`) the others need. A healthy lane is never cut short: a busy
   * endpoint's deliveries are late by their wait in the lane, not by a retry step.
   */
  perEndpointConcurrency?: number;
  /** An attempt in flight this long makes its endpoint struggling. Default 2,000 ms. */
  slowAttemptMs?: number;
  /** Whole-attempt timeout (headers and body). */
  timeoutMs?: number;
  logger?: Logger;
  now?: () => Date;
  /** The circuit breaker's threshold and probe interval, the pause after a 429/503 (see endpoint-gate.ts). */
  gate?: Partial<Omit<GateSettings, 'attemptTimeoutMs'>>;
  /**
   * WEBHOOK_ENDPOINT_REFRESH: how long the worker uses an endpoint it read before reading it again
   * (default 1 s); changes made in this process apply at once (endpoint-cache.ts).
   */
  endpointRefreshMs?: number;
}

/**
 * Bus → signed POST. One attempt per delivery: a 2xx acks; 410 disables the endpoint and
 * dead-letters; anything else retries on the bus's schedule (honouring Retry-After) until it is
 * exhausted. An endpoint failing for five days is disabled. Endpoints are isolated by design: each
 * (event, endpoint) is its own message with its own retries, and an attempt is bounded by the
 * timeout, so a dead endpoint costs at most its own in-flight slots and its waiting lane; the rest
 * of its deliveries go back to the bus for their next retry step.
 */
export class DeliveryWorker {
  private consumer: Consumer | null = null;
  private readonly log: DeliveryLog;
  /** Holds back an ordered endpoint's deliveries behind their partner's earlier ones. */
  private readonly ordering: OrderingGate;
  /** Per endpoint: attempts in flight (start times), deliveries waiting for a slot, health. */
  private readonly lanes = new Map<string, Lane>();
  private sweeper: NodeJS.Timeout | undefined;
  /** Rate limit, pause and circuit of each endpoint, shared with the other workers through the store. */
  private readonly gate: EndpointGate;
  private readonly circuitEvents: CircuitEvents;
  /** The endpoints, held between their refreshes while the worker runs. */
  private readonly endpoints: EndpointCache;

  constructor(
    private readonly bus: Bus,
    private readonly store: ReadStore,
    private readonly options: DeliveryWorkerOptions,
  ) {
    this.log = new DeliveryLog(store);
    const settings = { ...DEFAULT_GATE_SETTINGS, ...options.gate, attemptTimeoutMs: options.timeoutMs ?? 10_000 };
    this.gate = new EndpointGate(store, settings, () => (options.now ? options.now().getTime() : Date.now()));
    this.circuitEvents = new CircuitEvents(bus, store, options.logger);
    this.ordering = new OrderingGate(store, bus.retrySchedule);
    this.endpoints = new EndpointCache(store, options.endpointRefreshMs);
  }

  start(): Promise<void> {
    this.endpoints.open();
    this.consumer ??= this.bus.consume((d) => this.deliver(d), { concurrency: this.options.concurrency ?? 128 });
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
    return this.consumer.ready;
  }

  /** Finishes the attempts in flight and records their outcomes. */
  async stop(): Promise<void> {
    await this.consumer?.close();
    this.consumer = null;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.endpoints.close();
  }

  /**
   * A lane that turned struggling while deliveries waited in it (its endpoint started hanging):
   * give back what it holds past the cap, so they free their bus slots for the other endpoints.
   */
  sweep(): void {
    for (const lane of this.lanes.values()) {
      if (lane.waiting.length > MAX_WAITING_PER_ENDPOINT && this.isStruggling(lane)) {
        for (const giveBack of lane.waiting.splice(MAX_WAITING_PER_ENDPOINT)) giveBack(false);
      }
    }
  }

  async deliver(delivery: Delivery): Promise<Outcome> {
    const facts = bodyFactsOf(delivery);
    const outcome = await this.attempt(delivery, facts);
    // Ends the delivery's place in its partner's lane (ordered endpoints). Throws when the store is
    // down: the bus retries, and the lane moves on at the next attempt.
    await this.ordering.settle(delivery, facts, outcome);
    return outcome;
  }

  /**
   * Runs `send` in the endpoint's lane: once the endpoint has fewer than its limit in flight. The
   * lane holds the send alone (the gate, the POST, the gate's settling), not the attempt's log
   * write after it: the limit is on what the endpoint has to answer at once.
   */
  private async inLane(id: string, send: () => Promise<Sent>): Promise<Sent> {
    const lane = this.lanes.get(id) ?? this.lanes.set(id, { active: [], waiting: [], strugglingUntil: 0 }).get(id)!;
    if (lane.active.length >= this.limitOf(lane)) {
      // Isolation: the endpoint already uses its share. Wait in its own lane, never in another's.
      // A struggling endpoint's lane is capped and the rest go back to the bus for their next retry
      // step, so it cannot hold the bus slots the others need; `sweep` applies the cap to a lane
      // that turns struggling later. A healthy lane is not capped: its deliveries only wait for the
      // attempts ahead of them, which a busy endpoint answers (bouncing them would cost a 5 s step).
      const saturated = () => ({ kind: 'retry' as const, reason: `endpoint saturated: ${lane.active.length} in flight, ${lane.waiting.length} waiting (endpoint failing or slow)` });
      if (lane.waiting.length >= MAX_WAITING_PER_ENDPOINT && this.isStruggling(lane)) return saturated();
      const go = await new Promise<boolean>((resolve) => lane.waiting.push(resolve));
      if (!go) return saturated();
    }
    const started = Date.now();
    lane.active.push(started);
    try {
      const sent = await send();
      if (isAttempted(sent)) lane.strugglingUntil = succeeded(sent.attempt) ? 0 : Date.now() + 30_000;
      else if (sent.kind !== 'defer') lane.strugglingUntil = sent.kind === 'ack' ? 0 : Date.now() + 30_000;
      return sent;
    } finally {
      lane.active.splice(lane.active.indexOf(started), 1);
      while (lane.waiting.length && lane.active.length < this.limitOf(lane)) lane.waiting.shift()!(true);
      if (!lane.active.length && !lane.waiting.length) this.lanes.delete(id);
    }
  }

  /** A struggling endpoint (failed lately, or an attempt in flight for over 2 s) gets 2 slots. */
  private limitOf(lane: Lane): number {
    return this.isStruggling(lane) ? 2 : (this.options.perEndpointConcurrency ?? 16);
  }

  private isStruggling(lane: Lane): boolean {
    const now = Date.now();
    const slow = this.options.slowAttemptMs ?? 2_000;
    return lane.strugglingUntil > now || lane.active.some((s) => now - s > slow);
  }

  private async attempt(delivery: Delivery, facts: BodyFacts): Promise<Outcome> {
    const endpoint = await this.endpoints.get(delivery.endpointId);
    if (!endpoint) return { kind: 'ack' }; // the endpoint was deleted: nothing to deliver to
    if (!endpoint.enabled) {
      return { kind: 'dead', reason: `endpoint disabled${endpoint.disabledReason ? `: ${endpoint.disabledReason}` : ''}` };
    }
    const webhookId = webhookIdFor(delivery.messageId, delivery.endpointId);
    const sent = await this.inLane(endpoint.id, () => this.send(endpoint, delivery, facts, webhookId));
    if (!isAttempted(sent)) return sent;
    const { attempt, retryAfterMs, started } = sent;
    const base = {
      id: DeliveryLog.idOf(endpoint.id, webhookId),
      programId: endpoint.programId,
      endpointId: endpoint.id,
      eventId: delivery.messageId,
      webhookId,
      topic: delivery.topic,
      partnerId: facts.partnerId,
      body: delivery.body,
    };
    if (succeeded(attempt)) {
      await this.log.record(base, attempt, 'delivered');
      if (endpoint.failingSince) await this.saveEndpoint({ ...endpoint, failingSince: null });
      return { kind: 'ack' };
    }
    if (attempt.status === 410) {
      await this.log.record(base, attempt, 'dead');
      await this.saveEndpoint({ ...endpoint, enabled: false, disabledReason: 'the endpoint answered 410 Gone', updatedAt: this.now().toISOString() });
      return { kind: 'dead', reason: '410 Gone: endpoint disabled' };
    }
    const failingSince = endpoint.failingSince ?? started.toISOString();
    if (started.getTime() - Date.parse(failingSince) >= AUTO_DISABLE_AFTER_MS) {
      await this.log.record(base, attempt, 'dead');
      await this.saveEndpoint({ ...endpoint, enabled: false, disabledReason: 'failing for 5 days', failingSince, updatedAt: this.now().toISOString() });
      return { kind: 'dead', reason: 'endpoint failing for 5 days: disabled' };
    }
    if (!endpoint.failingSince) await this.saveEndpoint({ ...endpoint, failingSince });
    // The bus dead-letters a retry past its schedule's last step: log that attempt as dead, so a
    // search for failed deliveries finds it.
    const exhausted = planRetry(this.bus.retrySchedule, delivery.retryStep, retryAfterMs ?? undefined).kind === 'exhausted';
    await this.log.record(base, attempt, exhausted ? 'dead' : 'pending');
    const reason = attempt.status !== null ? `HTTP ${attempt.status}` : (attempt.error ?? 'no response');
    return { kind: 'retry', reason, ...(retryAfterMs !== null ? { notBeforeMs: retryAfterMs } : {}) };
  }

  /**
   * The part of an attempt that holds the endpoint's lane: the ordering and rate gates, then the
   * signed POST and what its answer tells the gate. An outcome when the delivery did not go
   * (held back, deferred), else what the attempt gave.
   */
  private async send(endpoint: WebhookEndpoint, delivery: Delivery, facts: BodyFacts, webhookId: string): Promise<Sent> {
    // Held back behind an earlier delivery of its partner (ordered endpoints): untried, no retry spent.
    const held = await this.ordering.hold(endpoint, facts);
    if (held) return held;
    // Throttled, paused or circuit open: back to the bus untried, no retry spent.
    const admission = await this.gate.admit(endpoint);
    if (admission.kind === 'defer') return { kind: 'defer', delayMs: admission.delayMs, reason: admission.reason };

    const started = this.now();
    const headers = signHeaders({ secrets: activeSecrets(endpoint, started).map((s) => s.secret), webhookId, timestamp: started, body: delivery.body, topic: delivery.topic as Topic });
    const attempt: Attempt = { at: started.toISOString(), attempt: delivery.attempt, status: null, latencyMs: 0, response: '', error: null };
    let retryAfterMs: number | null = null;
    const t0 = performance.now();
    // With tracing on: a client span, the child of the publisher's (the message's `traceparent`),
    // whose context is sent to the receiver as `traceparent`.
    const spanOptions = tracingEnabled()
      ? {
          kind: SpanKind.CLIENT,
          parent: contextOfTraceparent(delivery.headers?.[TRACEPARENT]),
          attributes: { 'http.request.method': 'POST', 'webhook.id': webhookId, 'webhook.attempt': delivery.attempt, 'endpoint.id': endpoint.id },
        }
      : {};
    await inSpan(`POST webhook ${delivery.topic}`, spanOptions, async (span) => {
      try {
        const timeout = this.options.timeoutMs ?? 10_000;
        const res = await request(endpoint.url, {
          method: 'POST',
          dispatcher: this.options.dispatcher,
          headers: { 'content-type': 'application/json', 'user-agent': 'partner-ledger-webhooks/0.1', ...headers, ...traceHeaders() },
          body: delivery.body,
          headersTimeout: timeout,
          bodyTimeout: timeout,
          signal: AbortSignal.timeout(timeout),
        });
        attempt.status = res.statusCode;
        attempt.response = await firstBytes(res.body, RESPONSE_KEPT);
        retryAfterMs = parseRetryAfter(headerOf(res.headers['retry-after']));
      } catch (error) {
        attempt.error = `${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message}`.slice(0, RESPONSE_KEPT);
      }
      span?.setAttribute('http.response.status_code', attempt.status ?? 0);
      if (attempt.status === null || attempt.status >= 300) span?.setStatus({ code: SpanStatusCode.ERROR, message: attempt.error ?? `HTTP ${attempt.status}` });
    });
    attempt.latencyMs = Math.round(performance.now() - t0);
    await this.settleGate(endpoint, admission.ticket, attempt.status, retryAfterMs);
    return { attempt, retryAfterMs, started };
  }

  /** The attempt's clock (`options.now`, for tests). */
  private now(): Date {
    return this.options.now ? this.options.now() : new Date();
  }

  /** Tells the gate what the answer said; records a circuit change. The attempt happened: a failure here is only logged. */
  private async settleGate(endpoint: WebhookEndpoint, ticket: Ticket, status: number | null, retryAfterMs: number | null): Promise<void> {
    try {
      const change = await this.gate.settle(endpoint, ticket, verdictOf(status, retryAfterMs));
      if (change) await this.circuitEvents.record(change);
    } catch (error) {
      this.options.logger?.warn({ err: error, endpointId: endpoint.id }, 'webhooks: could not update the endpoint gate');
    }
  }

  private async saveEndpoint(endpoint: WebhookEndpoint) {
    // Re-read so a concurrent PATCH (e.g. a new URL) is not overwritten by this attempt's view.
    const latest = (await this.store.get(CONFIG_NAMESPACE, ENDPOINTS, endpoint.id)) as unknown as WebhookEndpoint | null;
    if (!latest) return;
    const { enabled, disabledReason, failingSince } = endpoint;
    await this.store.put(
      CONFIG_NAMESPACE,
      ENDPOINTS,
      {
        ...(latest as unknown as Record<string, unknown>),
        _id: endpoint.id,
        pos: 0,
        enabled: latest.enabled && enabled,
        disabledReason: enabled ? latest.disabledReason : disabledReason,
        failingSince,
      },
      DURABLE,
    );
    endpointChanged(endpoint.id);
  }
}

/** A delivery that went out: its attempt, the answer's Retry-After, and when it started. */
interface Attempted {
  attempt: Attempt;
  retryAfterMs: number | null;
  started: Date;
}
/** What a send in the endpoint's lane gives: the attempt, or the outcome of a delivery that did not go. */
type Sent = Attempted | Outcome;

const isAttempted = (sent: Sent): sent is Attempted => 'attempt' in sent;
const succeeded = ({ status }: Attempt) => status !== null && status >= 200 && status < 300;

function headerOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function firstBytes(body: AsyncIterable<Buffer> & { destroy?: () => void }, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < max) chunks.push(chunk);
    size += chunk.length;
    // Keep reading (discarding) so the socket returns to the keep-alive pool.
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}
