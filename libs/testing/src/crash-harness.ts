// The crash suites' shared parts (test/crash): a load of commands a client retries until they are
// acknowledged, across kill -9s and restarts, and the reckoning of what the log, the read models and
// the webhook receiver hold afterwards.
import type { RecordedEvent } from '@partner-ledger/event-store';
import type { AppProcess } from './app-process.js';
import { webhookIdFor } from '@partner-ledger/webhooks';
import { type Buckets, commissionTotalsFromDomain, minor } from './recompute.js';
import { type ReceivedWebhook, until } from './webhook-receiver.js';

export interface CrashLoadOptions {
  /** The API's base URL at this moment (a restarted process listens on a new port). */
  baseUrl: () => string;
  programId: string;
  /** The program's API key. */
  key: string;
  /** Customer keys the sales go to, in turn. */
  customers: readonly string[];
  /** Clients sending at once. */
  concurrency: number;
  /** Each client's pause between two sales: the load leaves CPU to a restarting process on a small machine. */
  thinkMs: number;
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
  private stopped = false;
  private waiters: { n: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  private failure: Error | null = null;

  constructor(private readonly options: CrashLoadOptions) {}

  saleKey(i: number): string {
    return `crash-${i}`;
  }

  amountOf(i: number): string {
    return `${5 + ((i * 37) % 290)}.${String((i * 13) % 100).padStart(2, '0')}`;
  }

  /** Runs the clients until `stop()`; each finishes the sale it has in hand (until it is acknowledged). */
  async run(): Promise<void> {
    const deadline = Date.now() + this.options.timeoutMs;
    const client = async () => {
      for (let i = this.next++; !this.stopped; i = this.next++) {
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
        await pause(this.options.thinkMs);
      }
    };
    try {
      await Promise.all(Array.from({ length: this.options.concurrency }, client));
    } catch (error) {
      // Whoever waits for a moment to kill learns the load failed, instead of waiting forever.
      this.failure = error as Error;
      this.stopped = true;
      for (const w of this.waiters) w.reject(this.failure);
      throw error;
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /** Resolves once `n` more sales are acknowledged (the moment to kill something, or to stop). */
  untilMore(n: number): Promise<void> {
    return this.untilAcknowledged(this.acknowledged.size + n);
  }

  /** Resolves once `n` sales are acknowledged in all. */
  untilAcknowledged(n: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.acknowledged.size >= n) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.waiters.push({ n, resolve, reject }));
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

/** What a crash run works on: a program with a referral chain, customers, and an endpoint at the receiver. */
export interface CrashProgram {
  programId: string;
  key: string;
  endpointId: string;
  customers: string[];
}

/** Creates the program through the API at `baseUrl` (the admin key creates the program). */
export async function setUpCrashProgram(baseUrl: string, adminKey: string, receiverUrl: string): Promise<CrashProgram> {
  const post = async (path: string, body: unknown, key: string) => {
    const res = await fetch(baseUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
    const json = (await res.json()) as Record<string, any>;
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const commission = { type: 'PERCENT_OF_SALE', amount: '10' };
  const program = await post('/v1/programs', { name: 'Crash', currency: 'USD', commission, tiers: [{ level: 2, amount: '2.5' }] }, adminKey);
  const [programId, key] = [program.id as string, program.apiKey as string];
  const endpoint = await post(`/v1/programs/${programId}/webhook-endpoints`, { url: receiverUrl, topics: CRASH_WEBHOOK_TOPICS }, key);
  const customers: string[] = [];
  for (let i = 0; i < 4; i++) {
    await post(`/v1/programs/${programId}/partners`, { email: `p${i}@example.com`, name: `P${i}`, key: `P${i}`, ...(i > 0 ? { referringPartnerKey: 'P0' } : {}) }, key);
    await post(`/v1/programs/${programId}/customers`, { email: `c${i}@example.com`, name: `C${i}`, key: `c${i}`, partner: { key: `P${i}` } }, key);
    customers.push(`c${i}`);
  }
  return { programId, key, endpointId: endpoint.id as string, customers };
}

/**
 * After the load: the totals once the read models reached the log's end, the webhooks once all
 * arrived (or `webhookWaitMs` passed: the reckoning then counts what is missing), and the reckoning.
 */
export async function reckonAfterCrashes(input: {
  load: CrashLoad;
  kills: number;
  program: CrashProgram;
  baseUrl: string;
  events: readonly RecordedEvent[];
  received: readonly ReceivedWebhook[];
  webhookWaitMs: number;
}): Promise<{ figures: CrashFigures; problems: string[] }> {
  const { load, program, events, received } = input;
  const last = events[events.length - 1].position;
  const totals = await until('the totals at the end of the log', async () => {
    const url = `${input.baseUrl}/v1/programs/${program.programId}/commission-totals?limit=100&minPosition=${last}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${program.key}` } });
    return res.status === 200 && ((await res.json()) as CrashTotals);
  });
  await until('every acknowledged conversion’s webhook', () => missingWebhooks(load, program.programId, program.endpointId, events, received) === 0, input.webhookWaitMs).catch(
    () => undefined,
  );
  return reckonCrashRun({ load, kills: input.kills, programId: program.programId, endpointId: program.endpointId, events, received, totals });
}

/** kill -9, and wait until the process is gone. */
export async function crash(proc: AppProcess): Promise<void> {
  proc.kill('SIGKILL');
  const { signal } = await proc.exited;
  if (signal !== 'SIGKILL') throw new Error(`${proc.label} ended by ${signal ?? 'itself'} before the kill`);
}

/** The body of GET /v1/programs/:pid/commission-totals (all partners on one page). */
export interface CrashTotals {
  program: Record<string, { count: number; amount: string }>;
  items: ({ partnerId: string } & Record<string, any>)[];
}

export interface CrashFigures {
  requests: number;
  /** Requests that got no acknowledgement (a kill, a restart, a conflict) and were sent again. */
  unanswered: number;
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
  totals: CrashTotals;
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
      // A replayed answer (after a crash) must name what the log holds, not a conversion of its own.
      if (type === 'ConversionCreated' && found.length === 1 && (found[0].data as { conversionId?: string }).conversionId !== sale.conversionId) {
        problems.push(`answered: ${sale.key} was acknowledged with conversion ${sale.conversionId}, the log has ${String((found[0].data as { conversionId?: string }).conversionId)}`);
      }
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
      unanswered: load.figures.unanswered,
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

/** How many webhooks acknowledged commands call for have not arrived yet. */
function missingWebhooks(load: CrashLoad, programId: string, endpointId: string, events: readonly RecordedEvent[], received: readonly ReceivedWebhook[]): number {
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

function compareTotals(totals: CrashTotals, events: readonly RecordedEvent[], programId: string, problems: string[]): number {
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
    `crash (${suite}): ${f.requests} requests (${f.unanswered} unanswered and sent again), ${f.kills} kills, ${f.acknowledged} sales and ${f.approvals} approvals acknowledged, ` +
    `${f.lost} lost, ${f.duplicated} duplicated, ${f.webhooksExpected} webhooks expected, ${f.webhooksMissing} missing, ` +
    `${f.webhooksUnexpected} unexpected, ${f.webhookRepeats} repeats (same webhook-id), ${f.totalsDiffering} totals differing\n`
  );
}
