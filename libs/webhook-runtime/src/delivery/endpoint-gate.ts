import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadStore, StoredDoc } from '@partner-ledger/read-store';
import type { CircuitChange } from '@partner-ledger/webhooks';
import { CONFIG_NAMESPACE, ENDPOINT_GATES, type WebhookEndpoint } from '../endpoints/endpoint-repository.js';

/*
 * The gate in front of each endpoint, shared by every delivery worker: its rate limit, the pause a
 * 429/503 asks for, and its circuit breaker. Several workers in several processes send to one
 * endpoint, so the state cannot live in a worker: it is one small document per endpoint in the read
 * store's config namespace (the SQLite file embedded, MongoDB distributed: the store every worker
 * already reads the endpoints from, whichever bus carries the deliveries), changed only by
 * compare-and-set (`ReadStore.replaceIf` on the document's `pos`), so two workers never both take
 * the last slot of a second or both become the probe.
 *
 * Rate limit (`rateLimit` deliveries per second): a sliding window. A send holds a slot from the
 * moment it is granted until one window after its attempt ended (while in flight it holds it; a
 * worker that died mid-attempt frees it after the attempt timeout and a window). A send is granted
 * only while fewer than `n` slots are held, so the requests that reach the receiver within any one
 * window are at most `n`, however the network delays them (each arrives between its grant and the
 * end of its attempt). `n` per 1 s for rates of 1 and more (fractions rounded down), one per
 * 1/rate seconds below 1. A delivery finding the window full waits in this worker (one per endpoint
 * looks at the store; the rest queue behind it), up to 2 s; a worker already holding a second's
 * worth of an endpoint's deliveries, or one that waited too long, gives the delivery back to the
 * bus untried (`defer`: no retry is spent), so a throttled backlog never takes the slots the other
 * endpoints need.
 *
 * Pause: a 429, or a 503 with a `Retry-After`, pauses the endpoint until that time (a 429 without
 * one: for WEBHOOK_THROTTLE_PAUSE): no worker sends to it before then; its deliveries are deferred
 * to that time. The answered delivery itself retries on the schedule, not before the Retry-After.
 *
 * Circuit breaker: closed → open after WEBHOOK_CIRCUIT_FAILURES failed attempts in a row (any
 * non-2xx but 429, or no answer; counted across workers, a success resets the count) → after
 * WEBHOOK_CIRCUIT_PROBE_INTERVAL the next delivery is let through alone as the probe (half-open;
 * the others are deferred) → a success closes it, a failure opens it for another interval. Opening
 * and closing are returned to the worker, which records them (`circuit-events.ts`).
 *
 * Cost: one read of the gate per delivery; writes only for rate-limited endpoints (two per
 * delivery: the grant and the end), failures, probes and the success that ends a failing run.
 */

export interface GateSettings {
  /** WEBHOOK_CIRCUIT_FAILURES: failed attempts in a row that open the circuit. */
  circuitFailures: number;
  /** WEBHOOK_CIRCUIT_PROBE_INTERVAL: an open circuit's wait before the next probe. */
  probeIntervalMs: number;
  /** WEBHOOK_THROTTLE_PAUSE: the pause after a 429 without `Retry-After`. */
  throttlePauseMs: number;
  /** The worker's attempt timeout: how long a send whose end was never recorded may still be in flight. */
  attemptTimeoutMs: number;
}

export const DEFAULT_GATE_SETTINGS: GateSettings = { circuitFailures: 20, probeIntervalMs: 30_000, throttlePauseMs: 5_000, attemptTimeoutMs: 10_000 };

/** How long a delivery waits in this worker (in line, then for a rate-limit slot) before it goes back to the bus. */
const MAX_SLOT_WAIT_MS = 2_000;
/** Compare-and-sets one look may lose in a row (other workers writing the same gate) before it fails. */
const MAX_LOST_RACES = 100;
/** Longest sleep between two looks at a full window (a send in flight may end at any moment). */
const SLOT_POLL_MS = 50;
/** A delivery that finds a probe in flight comes back at most this much later, to follow its outcome. */
const PROBE_WAIT_MS = 1_000;

export type CircuitState = 'closed' | 'open' | 'half-open';

interface Send {
  id: string;
  /** When it was granted, ms. */
  at: number;
  /** When its attempt ended, ms; null while in flight. */
  end: number | null;
}

interface Circuit {
  state: CircuitState;
  /** Failed attempts in a row. */
  failures: number;
  openedAt: number | null;
  /** Open: when the next probe may go. */
  probeAt: number | null;
  /** Half-open: the delivery probing, and until when it may take (then another may probe). */
  probe: { id: string; until: number } | null;
}

export interface GateDoc extends StoredDoc {
  programId: string;
  sends: Send[];
  pausedUntil: number;
  circuit: Circuit;
}

/** A delivery's pass through the gate, handed back to `settle` with the attempt's verdict. */
export interface Ticket {
  id: string;
  /** It holds a rate-limit slot. */
  slot: boolean;
  /** It is the circuit's probe. */
  probe: boolean;
  /** The gate as it was read. */
  seen: GateDoc | null;
}

export type Admission = { kind: 'go'; ticket: Ticket } | { kind: 'defer'; delayMs: number; reason: string };

/** What an attempt said about its endpoint. */
export type Verdict =
  | { kind: 'ok' }
  | { kind: 'failed' }
  /** 429, or 503 with Retry-After: pause the endpoint for `pauseMs` (Retry-After), or the default; a 503 also counts as a failure. */
  | { kind: 'slow-down'; pauseMs: number | null; failed: boolean };

/**
 * The verdict of an answer: 2xx ok; 429 slows the endpoint down (for its Retry-After, else
 * WEBHOOK_THROTTLE_PAUSE) without counting as a failure; 503 with a Retry-After slows it down too
 * and counts; anything else, a 503 without Retry-After included, or no answer, fails.
 */
export function verdictOf(status: number | null, retryAfterMs: number | null): Verdict {
  if (status !== null && status >= 200 && status < 300) return { kind: 'ok' };
  if (status === 429) return { kind: 'slow-down', pauseMs: retryAfterMs, failed: false };
  if (status === 503 && retryAfterMs !== null) return { kind: 'slow-down', pauseMs: retryAfterMs, failed: true };
  return { kind: 'failed' };
}

/** Slots and window of a rate: `n` per 1 s from 1/s up (rounded down), one per 1/rate s below. */
export function rateWindow(rate: number): { n: number; windowMs: number } {
  return rate >= 1 ? { n: Math.floor(rate), windowMs: 1_000 } : { n: 1, windowMs: Math.ceil(1_000 / rate) };
}

const closedCircuit = (): Circuit => ({ state: 'closed', failures: 0, openedAt: null, probeAt: null, probe: null });
const quiet = (doc: GateDoc | null) => !doc || (doc.circuit.state === 'closed' && doc.circuit.failures === 0);
const rateOf = (endpoint: Pick<WebhookEndpoint, 'rateLimit'>) =>
  typeof endpoint.rateLimit === 'number' && Number.isFinite(endpoint.rateLimit) && endpoint.rateLimit > 0 ? endpoint.rateLimit : null;

type GatedEndpoint = Pick<WebhookEndpoint, 'id' | 'programId' | 'url' | 'rateLimit'>;

/** The gate as an endpoint's API answer shows it. */
export interface GateStatus {
  circuit: CircuitState;
  consecutiveFailures: number;
  /** Open: when a delivery probes the endpoint next (ISO 8601). */
  nextProbeAt: string | null;
  /** While a 429/503 pause lasts: its end (ISO 8601). */
  pausedUntil: string | null;
}

export class EndpointGate {
  /** Per rate-limited endpoint: deliveries of this worker waiting to look at its window, one at a time. */
  private readonly lines = new Map<string, { waiting: number; tail: Promise<void> }>();

  constructor(
    private readonly store: ReadStore,
    private readonly settings: GateSettings = DEFAULT_GATE_SETTINGS,
    private readonly now: () => number = Date.now,
  ) {}

  async read(endpointId: string): Promise<GateDoc | null> {
    return (await this.store.get(CONFIG_NAMESPACE, ENDPOINT_GATES, endpointId)) as GateDoc | null;
  }

  async status(endpointId: string): Promise<GateStatus> {
    const doc = await this.read(endpointId);
    const c = doc?.circuit ?? closedCircuit();
    return {
      circuit: c.state,
      consecutiveFailures: c.failures,
      nextProbeAt: c.state === 'open' && c.probeAt !== null ? new Date(c.probeAt).toISOString() : null,
      pausedUntil: doc && doc.pausedUntil > this.now() ? new Date(doc.pausedUntil).toISOString() : null,
    };
  }

  /** May this delivery go now? `defer`: give it back to the bus for that long, untried. */
  async admit(endpoint: GatedEndpoint): Promise<Admission> {
    const rate = rateOf(endpoint);
    if (rate === null) return this.enter(endpoint, null, 0);
    // Waiting in line and for a slot, on the real clock (the sleeps are real whatever `now` says).
    const deadline = Date.now() + MAX_SLOT_WAIT_MS;
    let line = this.lines.get(endpoint.id);
    if (!line) this.lines.set(endpoint.id, (line = { waiting: 0, tail: Promise.resolve() }));
    const { n } = rateWindow(rate);
    if (line.waiting >= n) {
      return { kind: 'defer', delayMs: Math.ceil((line.waiting / rate) * 1_000), reason: `rate limit ${rate}/s: ${line.waiting} deliveries to this endpoint already wait in this worker` };
    }
    line.waiting++;
    const ahead = line.tail;
    let release!: () => void;
    line.tail = new Promise<void>((resolve) => (release = resolve));
    try {
      await ahead;
      return await this.enter(endpoint, rate, deadline);
    } finally {
      line.waiting--;
      release();
      if (line.waiting === 0) this.lines.delete(endpoint.id);
    }
  }

  private async enter(endpoint: GatedEndpoint, rate: number | null, deadline: number): Promise<Admission> {
    let lost = 0;
    for (;;) {
      const now = this.now();
      const doc = await this.read(endpoint.id);
      if (doc && now < doc.pausedUntil) return { kind: 'defer', delayMs: doc.pausedUntil - now, reason: 'endpoint paused: it answered 429/503 (Retry-After)' };
      const circuit = doc?.circuit;
      let probe = false;
      if (circuit?.state === 'open') {
        const probeAt = circuit.probeAt ?? now;
        if (now < probeAt)
          return { kind: 'defer', delayMs: probeAt - now, reason: `circuit open after ${circuit.failures} failed attempts in a row; next probe at ${new Date(probeAt).toISOString()}` };
        probe = true;
      } else if (circuit?.state === 'half-open') {
        if (circuit.probe && circuit.probe.until > now)
          return { kind: 'defer', delayMs: Math.min(circuit.probe.until - now, PROBE_WAIT_MS), reason: 'circuit half-open: a probe is in flight' };
        probe = true;
      }
      if (!probe && rate === null) return { kind: 'go', ticket: { id: '', slot: false, probe: false, seen: doc } };

      const next = copyOf(doc, endpoint);
      const id = randomUUID();
      if (rate !== null) {
        const { n, windowMs } = rateWindow(rate);
        next.sends = held(next.sends, now, windowMs, this.settings.attemptTimeoutMs);
        if (next.sends.length >= n) {
          const freeAt = Math.min(...next.sends.map((s) => (s.end === null ? Infinity : s.end + windowMs)));
          const wait = Math.max(1, Math.min(Number.isFinite(freeAt) ? freeAt - now : SLOT_POLL_MS, SLOT_POLL_MS));
          if (Date.now() + wait > deadline) return { kind: 'defer', delayMs: Math.max(wait, Math.ceil(1_000 / rate)), reason: `rate limit ${rate}/s: no slot free` };
          await sleep(wait);
          continue;
        }
        next.sends.push({ id, at: now, end: null });
      }
      if (probe) next.circuit = { ...next.circuit, state: 'half-open', probe: { id, until: now + this.settings.attemptTimeoutMs + 1_000 } };
      if (await this.write(next, doc)) return { kind: 'go', ticket: { id, slot: rate !== null, probe, seen: next } };
      // Another worker changed the gate since we read it: look again.
      await this.lostRace(++lost);
    }
  }

  /**
   * Records what the attempt of an admitted delivery said: frees its slot, pauses the endpoint on a
   * 429/503, counts failures and moves the circuit. Answers the circuit's change, if any.
   */
  async settle(endpoint: GatedEndpoint, ticket: Ticket, verdict: Verdict): Promise<CircuitChange | null> {
    const plain = !ticket.slot && !ticket.probe && verdict.kind === 'ok';
    // The common case: a success to an endpoint that was not failing writes nothing.
    if (plain && quiet(ticket.seen)) return null;
    const failed = verdict.kind === 'failed' || (verdict.kind === 'slow-down' && verdict.failed);
    for (let lost = 1; ; lost++) {
      const now = this.now();
      const doc = await this.read(endpoint.id);
      if (plain && quiet(doc)) return null;
      const next = copyOf(doc, endpoint);
      const rate = rateOf(endpoint);
      next.sends = held(
        next.sends.map((s) => (ticket.slot && s.id === ticket.id ? { ...s, end: now } : s)),
        now,
        rate === null ? 0 : rateWindow(rate).windowMs,
        this.settings.attemptTimeoutMs,
      );
      if (verdict.kind === 'slow-down') next.pausedUntil = Math.max(next.pausedUntil, now + (verdict.pauseMs ?? this.settings.throttlePauseMs));
      const before = next.circuit;
      let circuit: Circuit = { ...before };
      const ownProbe = ticket.probe && before.probe?.id === ticket.id;
      if (verdict.kind === 'ok') {
        circuit = closedCircuit();
      } else if (failed) {
        circuit.failures = before.failures + 1;
        if (before.state === 'closed' && circuit.failures >= this.settings.circuitFailures) {
          circuit = { state: 'open', failures: circuit.failures, openedAt: now, probeAt: now + this.settings.probeIntervalMs, probe: null };
        } else if (ownProbe) {
          circuit = { ...circuit, state: 'open', probeAt: now + this.settings.probeIntervalMs, probe: null };
        }
      } else if (ownProbe) {
        // A 429 to the probe: the endpoint answers but is busy; probe again after the interval.
        circuit = { ...circuit, state: 'open', probeAt: Math.max(now + this.settings.probeIntervalMs, next.pausedUntil), probe: null };
      }
      next.circuit = circuit;
      if (await this.write(next, doc)) {
        const opened = before.state === 'closed' && circuit.state === 'open';
        const closed = before.state !== 'closed' && circuit.state === 'closed';
        if (!opened && !closed) return null;
        return {
          endpointId: endpoint.id,
          programId: endpoint.programId,
          url: endpoint.url,
          state: opened ? 'open' : 'closed',
          at: now,
          failures: circuit.failures,
          probeAt: circuit.probeAt,
        };
      }
      await this.lostRace(lost);
    }
  }

  /** After a lost compare-and-set: a few ms of jitter so the contenders spread out; past 100 in a row, give up. */
  private async lostRace(times: number): Promise<void> {
    if (times > MAX_LOST_RACES) throw new Error(`endpoint gate: lost ${times} compare-and-sets in a row`);
    await sleep(Math.floor(Math.random() * Math.min(times, 5)));
  }

  private async write(next: GateDoc, seen: GateDoc | null): Promise<boolean> {
    return this.store.replaceIf(CONFIG_NAMESPACE, ENDPOINT_GATES, { ...next, pos: (seen?.pos ?? 0) + 1 }, seen ? seen.pos : null);
  }
}

function copyOf(doc: GateDoc | null, endpoint: GatedEndpoint): GateDoc {
  if (!doc) return { _id: endpoint.id, pos: 0, programId: endpoint.programId, sends: [], pausedUntil: 0, circuit: closedCircuit() };
  return { ...doc, sends: [...doc.sends], circuit: { ...doc.circuit } };
}

/** The sends that still hold a slot at `now`: in flight (up to the attempt timeout), or ended less than a window ago. */
function held(sends: Send[], now: number, windowMs: number, attemptTimeoutMs: number): Send[] {
  // In flight: the attempt's timeout, plus a second for the time between the grant and the request.
  return sends.filter((s) => (s.end === null ? s.at + attemptTimeoutMs + 1_000 + windowMs > now : s.end + windowMs > now));
}
