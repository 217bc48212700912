// Test support (not built): a randomized but reproducible history made through the real engine's
// HTTP API, so every event is decided by the real deciders and handlers.
import { databaseFile, stateFile } from '@partner-ledger/config';
import { parseAmount } from '@partner-ledger/domain';
import { seeded } from './random.js';
import type { EventStore } from '@partner-ledger/event-store';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { ReadSide } from '@partner-ledger/projections';
import { SqliteReadStore } from '@partner-ledger/read-store';
import type { Clock } from '@partner-ledger/platform';
import type { TestEngine } from './engine.fixture.js';

interface PartnerRef {
  id: string;
  key: string;
  status: string;
}
interface TxRef {
  key: string;
  conversionId: string | null;
  amountMinor: number;
  refundedMinor: number;
  /** Denied and not reopened since, as far as this history's own answers say. */
  denied?: boolean;
}

export interface HistoryStats {
  commands: number;
  /** HTTP status → count: refusals (409, 422) are part of a realistic history. */
  statuses: Record<number, number>;
  byAction: Record<string, number>;
}

/** What a history may do besides the usual mix; each is off by default, so a seed's history stays the same. */
export interface HistoryOptions {
  /**
   * Now and then change the program's plan (rate, duration, product rates; effective now or a few
   * milliseconds later), and name a product on sales.
   */
  planChanges?: boolean;
  /** The engine's clock, when the test started it with one: a plan change's `effectiveFrom` is near its now. */
  clock?: Clock;
}

export const DEFAULT_PLAN = {
  commission: { type: 'PERCENT_OF_SALE', amount: '10' },
  tiers: [
    { level: 2, amount: '5' },
    { level: 3, amount: '2.5' },
  ],
};

/**
 * One program on a running test engine, and `run(n)` to send it n random commands: partners (some
 * referred by others, some PENDING), coupon triggers, customers, sales (some with a coupon), approvals,
 * denials, reopenings of denied conversions, partial and full refunds, status changes and detail updates. Refusals (approving a denied
 * conversion, refunding a refunded sale…) are part of the mix and counted, never errors.
 * Deterministic for a seed (ids aside). The only random history of the tests: one generator, so
 * every suite exercises the same mix.
 */
export class RandomHistory {
  readonly stats: HistoryStats = { commands: 0, statuses: {}, byAction: {} };
  readonly partners: PartnerRef[] = [];
  readonly customers: string[] = [];
  readonly transactions: TxRef[] = [];
  readonly coupons: string[] = [];
  /** Payouts created and neither confirmed nor cancelled yet. */
  readonly drafts: string[] = [];
  private readonly rnd: () => number;
  private n = 0;

  private constructor(
    readonly engine: TestEngine,
    readonly programId: string,
    readonly apiKey: string,
    seed: number,
    private readonly options: HistoryOptions = {},
  ) {
    this.rnd = seeded(seed);
  }

  static async start(engine: TestEngine, seed: number, plan: object = DEFAULT_PLAN, currency = 'USD', options: HistoryOptions = {}): Promise<RandomHistory> {
    const res = await engine.call('POST', '/v1/programs', { name: `Random ${seed}`, currency, ...plan });
    if (res.status !== 201) throw new Error(`program: ${res.status} ${JSON.stringify(res.body)}`);
    return new RandomHistory(engine, res.body.id, res.body.apiKey, seed, options);
  }

  private pick<T>(items: T[]): T | undefined {
    return items.length ? items[Math.floor(this.rnd() * items.length)] : undefined;
  }

  private async post(action: string, path: string, body?: unknown, method = 'POST') {
    const res = await this.engine.call(method, `/v1/programs/${this.programId}${path}`, body, this.apiKey);
    this.stats.commands += 1;
    this.stats.statuses[res.status] = (this.stats.statuses[res.status] ?? 0) + 1;
    this.stats.byAction[action] = (this.stats.byAction[action] ?? 0) + 1;
    if (res.status >= 500) throw new Error(`${action}: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  }

  async partner(opts: { referrer?: PartnerRef | null; status?: string } = {}): Promise<PartnerRef | null> {
    const i = this.n++;
    const referrer = opts.referrer === undefined ? (this.rnd() < 0.65 ? this.pick(this.partners) : undefined) : opts.referrer;
    const status = opts.status ?? (this.rnd() < 0.2 ? 'PENDING' : 'ACTIVE');
    const res = await this.post('partner', '/partners', {
      email: `p${i}-${this.programId}@example.com`,
      name: `Partner ${i}`,
      key: `P${i}`,
      status,
      ...(referrer ? { referringPartnerKey: referrer.key } : {}),
    });
    if (res.status !== 201) return null;
    const ref = { id: res.body.id, key: res.body.key, status: res.body.status };
    this.partners.push(ref);
    return ref;
  }

  async customer(partner?: PartnerRef): Promise<string | null> {
    const i = this.n++;
    const p = partner ?? (this.rnd() < 0.85 ? this.pick(this.partners) : undefined);
    const key = `C${i}`;
    const res = await this.post('customer', '/customers', { email: `c${i}-${this.programId}@example.com`, name: `Customer ${i}`, key, ...(p ? { partner: { id: p.id } } : {}) });
    if (res.status !== 201) return null;
    this.customers.push(key);
    return key;
  }

  /** A COUPON trigger for a random partner; sales then name some coupons (and some unknown ones). */
  async coupon(partner?: PartnerRef): Promise<void> {
    const p = partner ?? this.pick(this.partners);
    if (!p) return;
    const code = `SAVE${this.n++}`;
    const res = await this.post('coupon', '/conversion-triggers', { partnerId: p.id, type: 'COUPON', trigger: code });
    if (res.status === 201) this.coupons.push(code);
  }

  async sale(customerKey?: string, amount?: string): Promise<TxRef | null> {
    const customer = customerKey ?? this.pick(this.customers);
    if (!customer) return null;
    const i = this.n++;
    const value = amount ?? `${1 + Math.floor(this.rnd() * 499)}.${String(Math.floor(this.rnd() * 100)).padStart(2, '0')}`;
    const coupon = amount === undefined && this.coupons.length > 0 && this.rnd() < 0.15 ? { couponCode: this.rnd() < 0.8 ? this.pick(this.coupons)!.toLowerCase() : 'NO-SUCH-COUPON' } : {};
    const product = this.options.planChanges ? { productId: this.pick(['basic', 'pro', 'mug'])! } : {};
    const res = await this.post('sale', '/transactions', { customerKey: customer, amount: value, key: `T${i}`, ...coupon, ...product });
    if (res.status !== 201) return null;
    const tx = { key: res.body.key, conversionId: res.body.conversion?.id ?? null, amountMinor: parseAmount(res.body.amount, res.body.currency), refundedMinor: 0 };
    this.transactions.push(tx);
    return tx;
  }

  async approve(tx?: TxRef) {
    const t = tx ?? this.pick(this.transactions.filter((x) => x.conversionId));
    if (t?.conversionId) await this.post('approve', `/conversions/${t.conversionId}/approve`);
  }

  async deny(tx?: TxRef) {
    const t = tx ?? this.pick(this.transactions.filter((x) => x.conversionId));
    if (!t?.conversionId) return;
    const res = await this.post('deny', `/conversions/${t.conversionId}/deny`, { reason: 'random' });
    if (res.status === 200) t.denied = true;
  }

  /** Reopens a denied conversion (refused when its sale was refunded in full since). */
  async reopen(tx?: TxRef) {
    const t = tx ?? this.pick(this.transactions.filter((x) => x.denied));
    if (!t?.conversionId) return;
    const res = await this.post('reopen', `/conversions/${t.conversionId}/reopen`, { reason: 'random' });
    if (res.status === 200) t.denied = false;
  }

  async refund(tx?: TxRef, amount?: string) {
    const t = tx ?? this.pick(this.transactions.filter((x) => x.refundedMinor < x.amountMinor));
    if (!t) return;
    const remaining = t.amountMinor - t.refundedMinor;
    const minor = amount !== undefined ? null : this.rnd() < 0.3 ? remaining : 1 + Math.floor(this.rnd() * remaining);
    const body = amount !== undefined ? { amount } : minor === remaining ? {} : { amount: (minor! / 100).toFixed(2) };
    const res = await this.post('refund', `/transactions/${encodeURIComponent(t.key)}/refund`, body);
    if (res.status === 200) t.refundedMinor = parseAmount(res.body.refunded, res.body.currency, 'refunded', { allowZero: true });
  }

  async status(partner?: PartnerRef, to?: string) {
    const p = partner ?? this.pick(this.partners);
    if (!p) return;
    const next: Record<string, string[]> = { PENDING: ['ACTIVE', 'DENIED'], ACTIVE: ['DISABLED'], DISABLED: ['ACTIVE'], DENIED: ['ACTIVE'] };
    const target = to ?? this.pick(next[p.status] ?? ['ACTIVE'])!;
    const res = await this.post('status', `/partners/${p.id}/status`, { status: target });
    if (res.status === 200) p.status = target;
  }

  async rename(partner?: PartnerRef) {
    const p = partner ?? this.pick(this.partners);
    if (p) await this.post('details', `/partners/${p.id}`, { name: `Renamed ${this.n++}`, details: { city: 'Lyon, "FR"' } }, 'PATCH');
  }

  /** A new plan: a random rate and duration, sometimes product rates, effective now or just after. */
  async planChange() {
    // Mostly durations that keep paying, so a history still has plenty of conversions.
    const durations = [
      { type: 'LIFETIME' },
      { type: 'LIFETIME' },
      { type: 'MONTHS', count: 1 + Math.floor(this.rnd() * 12) },
      { type: 'PAYMENTS', count: 5 + Math.floor(this.rnd() * 10) },
      { type: 'LIFETIME' },
    ];
    const rate = `${1 + Math.floor(this.rnd() * 20)}.${Math.floor(this.rnd() * 10)}`;
    const productRates =
      this.rnd() < 0.5
        ? [
            { productId: 'pro', type: 'PERCENT_OF_SALE', amount: '33.3333' },
            { productId: 'mug', type: 'FLAT_RATE', amount: '1.25' },
          ]
        : [];
    const effectiveFrom = this.rnd() < 0.3 ? { effectiveFrom: new Date((this.options.clock?.now() ?? new Date()).getTime() + 20).toISOString() } : {};
    const body = {
      commission: { type: 'PERCENT_OF_SALE', amount: rate, duration: this.pick(durations) },
      tiers: [
        { level: 2, amount: '3.3333' },
        { level: 3, amount: '1' },
      ],
      productRates,
      ...effectiveFrom,
    };
    await this.post('plan', '/commission-plan', body, 'PUT');
  }

  /** A payout (some with a minimum), or the confirmation (mostly) or cancellation of a draft. */
  async payout() {
    const draft = this.drafts.length > 0 && this.rnd() < 0.6 ? this.drafts.splice(Math.floor(this.rnd() * this.drafts.length), 1)[0] : undefined;
    if (draft) {
      const action = this.rnd() < 0.75 ? 'confirm' : 'cancel';
      await this.post(action, `/payouts/${draft}/${action}`);
      return;
    }
    const res = await this.post('payout', '/payouts', this.rnd() < 0.3 ? { minimumAmount: '20.00' } : {});
    if (res.status === 201) this.drafts.push(res.body.id);
  }

  /**
   * `count` random commands, weighted towards sales and their lifecycle; with `payouts`, some are
   * payouts, confirmations and cancellations too (without, the sequence for a seed is as before).
   */
  async run(count: number, opts: { payouts?: boolean } = {}): Promise<void> {
    for (let i = 0; i < count; i++) {
      if (opts.payouts && this.rnd() < 0.06) {
        await this.payout();
        continue;
      }
      // Drawn only when enabled, so a history without plan changes is the same as before they existed.
      if (this.options.planChanges && this.rnd() < 0.01) {
        await this.planChange();
        continue;
      }
      const r = this.rnd();
      if (this.partners.length < 4 || r < 0.1) await this.partner();
      else if (r < 0.12) await this.coupon();
      else if (this.customers.length < 4 || r < 0.22) await this.customer();
      else if (r < 0.5) await this.sale();
      else if (r < 0.62) await this.approve();
      else if (r < 0.685) await this.deny();
      else if (r < 0.7) await this.reopen();
      else if (r < 0.84) await this.refund();
      else if (r < 0.95) await this.status();
      else await this.rename();
    }
  }
}

/** The engine's SQLite files opened a second time: event store, read store and a live read side on them. */
export function openDataDir(dataDir: string) {
  const events = SqliteEventStore.open(databaseFile(dataDir), { pollIntervalMs: 20 });
  const store = SqliteReadStore.open(stateFile(dataDir));
  return {
    events,
    store,
    readSide: new ReadSide(events, store),
    async close(readSide?: ReadSide) {
      await readSide?.stop();
      await events.close();
      await store.close();
    },
  };
}

/** Position of the last event, or 0n. */
export async function head(events: EventStore): Promise<bigint> {
  const [last] = await events.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 });
  return last?.position ?? 0n;
}

/** Waits until every runner of the read side has applied the head of the log. */
export async function caughtUp(readSide: ReadSide, events: EventStore, timeoutMs = 20_000): Promise<void> {
  const position = await head(events);
  if (!(await readSide.waitFor(position, timeoutMs))) throw new Error(`read side did not reach position ${position} in ${timeoutMs} ms`);
}
