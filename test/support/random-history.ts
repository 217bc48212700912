import { seeded } from '../../libs/domain/src/testing/random.js';
import type { TestEngine } from '../e2e/engine.fixture.js';

export interface HistoryOptions {
  seed?: number;
  partners?: number;
  customers?: number;
  transactions?: number;
  /** Approvals, denials, refunds and status changes after the sales. */
  lifecycleOps?: number;
}

export interface History {
  programId: string;
  programKey: string;
  /** Position of the last event written. */
  lastPosition: string;
  commands: number;
  refused: number;
}

/**
 * Drives a real engine over HTTP with a seeded random mix of every command: partners in referral
 * chains (some pending or disabled), customers linked or not, coupon triggers, sales, then approvals,
 * denials, partial and full refunds and status changes in random order. Refusals (approving a denied
 * conversion, refunding too much…) are part of the mix and counted, never errors.
 */
export async function randomHistory(engine: TestEngine, options: HistoryOptions = {}): Promise<History> {
  const rnd = seeded(options.seed ?? 42);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
  const program = await engine.call('POST', '/v1/programs', {
    name: 'Random',
    currency: 'USD',
    commission: { type: 'PERCENT_OF_SALE', amount: '7.5' },
    tiers: [
      { level: 2, amount: '3.3333' },
      { level: 3, amount: '1' },
    ],
  });
  const pid = program.body.id as string;
  const key = program.body.apiKey as string;
  let last = program.body.position as string;
  let commands = 1;
  let refused = 0;
  const post = async (path: string, body?: unknown, method = 'POST') => {
    commands++;
    const res = await engine.call(method, `/v1/programs/${pid}${path}`, body, key);
    if (res.status >= 500) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    if (res.status >= 400) {
      refused++;
      return null;
    }
    last = res.body.position;
    return res.body;
  };

  const partners: { id: string; key: string }[] = [];
  for (let i = 0; i < (options.partners ?? 30); i++) {
    const referrer = partners.length > 0 && rnd() < 0.7 ? pick(partners) : null;
    const status = rnd() < 0.1 ? 'PENDING' : 'ACTIVE';
    const p = await post('/partners', { email: `p${i}@example.com`, name: `Partner ${i}`, key: `P${i}`, status, ...(referrer ? { referringPartnerKey: referrer.key } : {}) });
    if (p) partners.push({ id: p.id, key: p.key });
    if (p && rnd() < 0.3) await post('/conversion-triggers', { partnerId: p.id, type: 'COUPON', trigger: `SAVE${i}` });
  }
  const customers: string[] = [];
  for (let i = 0; i < (options.customers ?? 100); i++) {
    const partner = rnd() < 0.8 ? pick(partners) : null;
    const c = await post('/customers', { email: `c${i}@example.com`, name: `Customer ${i}`, key: `c${i}`, ...(partner ? { partner: { key: partner.key } } : {}) });
    if (c) customers.push(c.key);
  }
  const sales: { key: string; conversionId: string | null }[] = [];
  for (let i = 0; i < (options.transactions ?? 1500); i++) {
    const cents = 1 + Math.floor(rnd() * 50_000);
    const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    const coupon = rnd() < 0.15 ? { couponCode: `save${Math.floor(rnd() * (options.partners ?? 30))}` } : {};
    const t = await post('/transactions', { customerKey: pick(customers), amount, key: `t${i}`, ...coupon });
    if (t) sales.push({ key: t.key, conversionId: t.conversion?.id ?? null });
  }
  for (let i = 0; i < (options.lifecycleOps ?? 1200); i++) {
    const sale = pick(sales);
    const r = rnd();
    if (r < 0.35 && sale.conversionId) await post(`/conversions/${sale.conversionId}/approve`);
    else if (r < 0.5 && sale.conversionId) await post(`/conversions/${sale.conversionId}/deny`, { reason: 'random' });
    else if (r < 0.75) await post(`/transactions/${sale.key}/refund`, { amount: `${1 + Math.floor(rnd() * 40)}.${String(Math.floor(rnd() * 100)).padStart(2, '0')}` });
    else if (r < 0.85) await post(`/transactions/${sale.key}/refund`);
    else if (r < 0.95) {
      const p = pick(partners);
      await post(`/partners/${p.id}/status`, { status: pick(['ACTIVE', 'DISABLED', 'DENIED']) });
    } else await post(`/partners/${pick(partners).id}`, { name: `Renamed ${i}` }, 'PATCH');
  }
  return { programId: pid, programKey: key, lastPosition: last, commands, refused };
}
