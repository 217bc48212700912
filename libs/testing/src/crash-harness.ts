// The crash suites' shared parts (test/crash): a load of commands a client retries until they are
// acknowledged, across kill -9s and restarts, and the reckoning of what the log, the read models and
// the webhook receiver hold afterwards.
import type { RecordedEvent } from '@partner-ledger/event-store';
import type { AppProcess } from './app-process.js';
import { webhookIdFor } from '@partner-ledger/webhooks';
import { type Buckets, commissionTotalsFromDomain, minor } from './recompute.js';
import type { ReceivedWebhook } from './webhook-receiver.js';

export interface CrashLoadOptions {
  /** The API's base URL at this moment (a restarted process listens on a new port). */
  baseUrl: () => string;
  programId: string;
  /** The program's API key. */
  key: string;
  /** Customer keys the sales go to, in turn. */
  customers: readonly string[];
  /** Sales to acknowledge in all. */
  sales: number;
  /** Clients sending at once. */
  concurrency: number;
  /** Every n-th sale is approved once acknowledged. */
  approveEvery: number;
  /** Give up (and fail) after this long. */
  timeoutMs: number;
}

/** One sale the engine acknowledged, and whether its approval was acknowledged too. */
export interface AcknowledgedSale {
  key: string;
  conversionId: string | null;
  approved: boolean;
}

/** A refusal the load did not expect: the run stops and fails with it. */
class Refused extends Error {}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Concurrent clients, each sending sales (and approving some) until every one is acknowledged, the
 * way a careful client does: no answer (refused connection, reset, 5xx, a 409 conflict) means send
 * the same request again, which the engine must treat as the same command (idempotent by key).
 */
export class CrashLoad {
  /** HTTP requests sent, and how many of them got no acknowledgement. */
  readonly figures = { requests: 0, unanswered: 0 };
  readonly acknowledged = new Map<string, AcknowledgedSale>();
  private next = 0;
  private waiters: { n: number; resolve: () => void }[] = [];

  constructor(private readonly options: CrashLoadOptions) {}

  saleKey(i: number): string {
    return `crash-${i}`;
  }

  amountOf(i: number): string {
    return `${5 + ((i * 37) % 290)}.${String((i * 13) % 100).padStart(2, '0')}`;
  }

  /** Runs the clients until every sale is acknowledged. */
  async run(): Promise<void> {
    const deadline = Date.now() + this.options.timeoutMs;
    const client = async () => {
      for (let i = this.next++; i < this.options.sales; i = this.next++) {
        const key = this.saleKey(i);
        const body = { customerKey: this.options.customers[i % this.options.customers.length], amount: this.amountOf(i), key };
        const sale = await this.send('/transactions', body, deadline);
        const conversionId: string | null = sale.conversion?.id ?? null;
        const ack: AcknowledgedSale = { key, conversionId, approved: false };
        this.acknowledged.set(key, ack);
        if (conversionId && i % this.options.approveEvery === 0) {
          await this.send(`/conversions/${conversionId}/approve`, undefined, deadline);
          ack.approved = true;
        }
        for (const w of this.waiters.filter((w) => this.acknowledged.size >= w.n)) w.resolve();
        this.waiters = this.waiters.filter((w) => this.acknowledged.size < w.n);
      }
    };
    await Promise.all(Array.from({ length: this.options.concurrency }, client));
  }

  /** Resolves once `n` sales are acknowledged (the moment to kill something). */
  untilAcknowledged(n: number): Promise<void> {
    if (this.acknowledged.size >= n) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push({ n, resolve }));
  }

  private async send(path: string, body: unknown, deadline: number): Promise<Record<string, any>> {
    for (;;) {
      if (Date.now() > deadline) throw new Error(`crash load: POST ${path} not acknowledged within ${this.options.timeoutMs} ms`);
      this.figures.requests++;
      try {
        const res = await fetch(`${this.options.baseUrl()}/v1/programs/${this.options.programId}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.options.key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await res.text();
        const json = text ? JSON.parse(text) : {};
        if (res.status < 300) return json;
        // A write that lost a race, or a process going down: not refused, just not done (yet).
        const conflict = res.status === 409 && json.code === 'concurrent_modification';
        if (!conflict && res.status < 500) throw new Refused(`POST ${path}: ${res.status} ${text}`);
        this.figures.unanswered++;
        await pause(conflict ? 10 : 250);
        continue;
      } catch (error) {
        if (error instanceof Refused) throw error;
        // No answer (the process was killed, is restarting, or cut the body short).
      }
      this.figures.unanswered++;
      await pause(250);
    }
  }
}

/** kill -9, wait for the process to be gone, and start its replacement on the same data. */
export async function crashAndRestart(proc: AppProcess, restart: () => Promise<AppProcess>): Promise<AppProcess> {
  proc.kill('SIGKILL');
  const { signal } = await proc.exited;
  if (signal !== 'SIGKILL') throw new Error(`${proc.label} ended by ${signal ?? 'itself'} before the kill`);
  return restart();
}

export interface CrashFigures {
  requests: number;
  kills: number;
  acknowledged: number;
  approvals: number;
  /** Acknowledged commands whose events are not in the log. */
  lost: number;
  /** Acknowledged commands whose events are in the log more than once. */
  duplicated: number;
  webhooksExpected: number;
  webhooksMissing: number;
  /** Webhooks with an id no acknowledged command calls for (a duplicated event would send one). */
  webhooksUnexpected: number;
  /** Deliveries of an id already received (at least once: allowed, deduplicated by `webhook-id`). */
  webhookRepeats: number;
  /** Totals (per partner and bucket, and the program's) that differ from the events. */
  totalsDiffering: number;
}

/** Topics the crash suites' endpoint subscribes to: one webhook per acknowledged sale and approval. */
export const CRASH_WEBHOOK_TOPICS = ['NEW_CONVERSION', 'APPROVED_CONVERSION'];

/**
 * What the log and the receiver hold against what was acknowledged: each sale recorded and
 * converted once, each acknowledged approval once, and a webhook (by its `webhook-id`, derived from
 * the event and the endpoint) for each conversion event.
 */
export function reckonCrashRun(input: {
  load: CrashLoad;
  kills: number;
  programId: string;
  endpointId: string;
  events: readonly RecordedEvent[];
  received: readonly ReceivedWebhook[];
  /** The body of GET /v1/programs/:pid/commission-totals (all partners on one page). */
  totals: { program: Record<string, { count: number; amount: string }>; items: ({ partnerId: string } & Record<string, any>)[] };
}): { figures: CrashFigures; problems: string[] } {
  const { load, programId, endpointId, events, received } = input;
  const problems: string[] = [];
  const byStream = new Map<string, RecordedEvent[]>();
  for (const e of events) (byStream.get(e.streamName) ?? byStream.set(e.streamName, []).get(e.streamName)!).push(e);

  let lost = 0;
  let duplicated = 0;
  let approvals = 0;
  const expectedIds = new Set<string>();
  for (const sale of load.acknowledged.values()) {
    const stream = byStream.get(`transaction-${programId}.${sale.key}`) ?? [];
    const want: [string, boolean][] = [
      ['TransactionRecorded', true],
      ['ConversionCreated', sale.conversionId !== null],
      ['ConversionApproved', sale.approved],
    ];
    if (sale.approved) approvals++;
    for (const [type, acknowledged] of want) {
      const found = stream.filter((e) => e.type === type);
      if (acknowledged && found.length === 0) {
        lost++;
        problems.push(`lost: ${type} of ${sale.key}`);
      }
      if (found.length > 1) {
        duplicated++;
        problems.push(`duplicated: ${type} of ${sale.key} ×${found.length}`);
      }
      if (acknowledged && type !== 'TransactionRecorded') for (const e of found) expectedIds.add(webhookIdFor(e.id, endpointId));
    }
  }

  const seen = new Set<string>();
  let webhookRepeats = 0;
  let webhooksUnexpected = 0;
  for (const r of received) {
    const id = String(r.headers['webhook-id']);
    if (seen.has(id)) webhookRepeats++;
    else if (!expectedIds.has(id)) {
      webhooksUnexpected++;
      problems.push(`unexpected webhook ${id}: ${r.body.slice(0, 120)}`);
    }
    seen.add(id);
  }
  const missing = [...expectedIds].filter((id) => !seen.has(id));
  if (missing.length) problems.push(`webhooks missing: ${missing.slice(0, 10).join(', ')}`);

  const totalsDiffering = compareTotals(input.totals, events, programId, problems);
  return {
    figures: {
      requests: load.figures.requests,
      kills: input.kills,
      acknowledged: load.acknowledged.size,
      approvals,
      lost,
      duplicated,
      webhooksExpected: expectedIds.size,
      webhooksMissing: missing.length,
      webhooksUnexpected,
      webhookRepeats,
      totalsDiffering,
    },
    problems,
  };
}

/** The webhook ids still missing, for waiting on the receiver before the reckoning. */
export function missingWebhooks(load: CrashLoad, programId: string, endpointId: string, events: readonly RecordedEvent[], received: readonly ReceivedWebhook[]): number {
  const seen = new Set(received.map((r) => String(r.headers['webhook-id'])));
  const keys = new Set(load.acknowledged.keys());
  const prefix = `transaction-${programId}.`;
  return events.filter(
    (e) =>
      (e.type === 'ConversionCreated' || e.type === 'ConversionApproved') &&
      e.streamName.startsWith(prefix) &&
      keys.has(e.streamName.slice(prefix.length)) &&
      !seen.has(webhookIdFor(e.id, endpointId)),
  ).length;
}

function compareTotals(totals: Parameters<typeof reckonCrashRun>[0]['totals'], events: readonly RecordedEvent[], programId: string, problems: string[]): number {
  const expected = commissionTotalsFromDomain([...events], programId);
  const asBuckets = (t: Record<string, { count: number; amount: string }>): Buckets => ({
    pending: { count: t.pending.count, amount: minor(t.pending.amount) },
    approved: { count: t.approved.count, amount: minor(t.approved.amount) },
    denied: { count: t.denied.count, amount: minor(t.denied.amount) },
    reversed: { count: t.reversed.count, amount: minor(t.reversed.amount) },
  });
  const pairs: [string, Buckets | undefined, Buckets | undefined][] = [['program', expected.program, asBuckets(totals.program)]];
  const actual = new Map(totals.items.map((t) => [t.partnerId, asBuckets(t)]));
  for (const id of new Set([...expected.partners.keys(), ...actual.keys()])) pairs.push([`partner ${id}`, expected.partners.get(id), actual.get(id)]);
  let differing = 0;
  for (const [who, want, got] of pairs) {
    for (const bucket of ['pending', 'approved', 'denied', 'reversed'] as const) {
      const w = want?.[bucket] ?? { count: 0, amount: 0 };
      const g = got?.[bucket] ?? { count: 0, amount: 0 };
      if (w.count !== g.count || w.amount !== g.amount) {
        differing++;
        problems.push(`totals: ${who} ${bucket} is ${JSON.stringify(g)}, the events say ${JSON.stringify(w)}`);
      }
    }
  }
  return differing;
}

/** The figures as one line for the CI log. */
export function formatCrashFigures(suite: string, f: CrashFigures): string {
  return (
    `crash (${suite}): ${f.requests} requests, ${f.kills} kills, ${f.acknowledged} sales and ${f.approvals} approvals acknowledged, ` +
    `${f.lost} lost, ${f.duplicated} duplicated, ${f.webhooksExpected} webhooks expected, ${f.webhooksMissing} missing, ` +
    `${f.webhooksUnexpected} unexpected, ${f.webhookRepeats} repeats (same webhook-id), ${f.totalsDiffering} totals differing\n`
  );
}
