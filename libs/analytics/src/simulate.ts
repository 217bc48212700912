import {
  addReversals,
  assertNever,
  type CommissionLine,
  type CommissionPlan,
  commissionFor,
  conversionIdFor,
  type CustomerPurchase,
  LIFETIME,
  maxLevel,
  netCommissions,
  parseCommissionPlan,
  type PartnerStatus,
  programStreamPrefixes,
  refundReversals,
  type ReversibleCommissions,
  withinDuration,
} from '@partner-ledger/domain';
import type { EventStore, RecordedEvent } from '@partner-ledger/event-store';
import { COMMISSION_TOTALS, conversionsProjection, InMemoryFold, isLedgerEvent, type RecordedLedgerEvent, totalsOf } from '@partner-ledger/projections';
import { programPlan, scanAll } from './history.js';

export interface Bucket {
  count: number;
  /** Minor units: a sum of many lines, exact only as BigInt. */
  amount: bigint;
}
export type BucketName = 'pending' | 'approved' | 'denied' | 'reversed';
export const BUCKETS: readonly BucketName[] = ['pending', 'approved', 'denied', 'reversed'];
/** Same meaning as the commission-totals read model: net commission per conversion status, plus reversals. */
export type Totals = Record<BucketName, Bucket>;

export const emptyTotals = (): Totals => ({
  pending: { count: 0, amount: 0n },
  approved: { count: 0, amount: 0n },
  denied: { count: 0, amount: 0n },
  reversed: { count: 0, amount: 0n },
});

export interface PartnerComparison {
  partnerId: string;
  currency: string;
  /** Folded from the real events by the conversions projection: the totals today. */
  actual: Totals;
  /** The same history priced under the alternative plan. */
  simulated: Totals;
  /** simulated − actual, per bucket. */
  difference: Totals;
  /** What confirmed payouts paid the partner: a fact of the history, the same under either plan. */
  paid: Bucket;
  /**
   * approved − paid in each world, minor units: under the simulated plan, a negative balance is what
   * the partner was overpaid and would owe back (a clawback).
   */
  balance: { actual: bigint; simulated: bigint };
}

/** Per currency, the sums of the partners' buckets. */
export type CurrencyComparison = Omit<PartnerComparison, 'partnerId' | 'paid' | 'balance'>;

export interface SimulationResult {
  programId: string;
  currency: string;
  plan: CommissionPlan;
  /** Sales from this time on were priced under the plan; null: every sale. */
  from: Date | null;
  /** Sorted by partner id, then currency; partners with commission in either world. */
  partners: PartnerComparison[];
  /** Sum over partners, per currency. */
  total: CurrencyComparison[];
  conversions: number;
  /** Position of the last event replayed (null for an empty history). */
  position: bigint | null;
}

export interface SimulateInput {
  programId: string;
  /** The program's currency: the plan is validated in it. */
  currency: string;
  /** An alternative plan, as a program has it: `{commission: {type, amount, duration?}, tiers?: [{level, amount}], productRates?}`. */
  plan: unknown;
  /**
   * "From this date forward": only sales recorded at or after `from` are priced under the plan;
   * earlier ones keep the commission they were recorded with. Absent: every sale, for all customers.
   */
  from?: Date;
}

interface PartnerAtTime {
  status: PartnerStatus;
  referringPartnerId: string | null;
}

/** A conversion's lines as priced under the simulated plan, and what refunds took back from them. */
interface SimConversion extends ReversibleCommissions {
  partnerId: string;
  currency: string;
  amountMinor: number;
  /** Refunded so far: a reopened conversion takes back now what refunds made while it was denied. */
  refundedMinor: number;
}

/**
 * What-if replay: the program's history priced under another commission plan.
 *
 * Every conversion that really happened is kept (who it is attributed to, when it was approved,
 * denied, refunded and by how much: those are facts of the history); only its commission lines are
 * recomputed, with the rules of the transaction decider (`decideCreate`): level 1 is the attributed
 * partner, level N ≥ 2 the (N−1)-th referrer up its chain as the chain was when the sale was
 * recorded (partners' referrers and statuses are tracked through the replay), a referrer who was not
 * ACTIVE then forfeits its level (the chain is not compressed), a cycle or an unknown referrer ends
 * the chain. Approvals and denials move the net lines; refunds take back each line's cumulative
 * share `proportion(line, refundedTotal, amount)` (rounded half away from zero) minus what was
 * already taken back, nothing from a denied conversion — the decider's own `refundReversals`, so
 * replaying under the program's own plan reproduces today's totals to the minor unit.
 *
 * The plan's product rates price level 1 of a sale of that product. Its duration is measured
 * against each customer's attributed purchases, counted from the whole history (every attributed
 * sale, whatever plan was in effect): a sale outside it earns nothing, and a sale that really was
 * outside the program's duration (recorded with `commission_duration_ended`) earns under a plan
 * whose duration covers it, as a conversion that stays pending (it was never reviewed) and that
 * refunds of its sale take back from.
 *
 * `events`: the program's partner and transaction events in `$all` order (other events are
 * ignored). "Today" is folded from the same events by the read side's conversions projection.
 */
export async function simulatePlan(events: AsyncIterable<RecordedEvent>, input: SimulateInput): Promise<SimulationResult> {
  const plan = parseCommissionPlan(input.plan as Parameters<typeof parseCommissionPlan>[0], input.currency);
  const top = maxLevel(plan);
  const { programId } = input;

  const partners = new Map<string, PartnerAtTime>();
  const conversions = new Map<string, SimConversion>();
  const simulated = new Map<string, Totals>();
  const duration = plan.commission.duration ?? LIFETIME;
  const priced = (at: Date) => input.from === undefined || at.getTime() >= input.from.getTime();
  /** Per customer: attributed purchases so far and when the first was. */
  const customers = new Map<string, { count: number; firstAt: string }>();
  /** Sales recorded with a conversion to come: what pricing it needs from its TransactionRecorded. */
  const sales = new Map<string, { productId: string | null; purchase: CustomerPurchase; at: Date }>();
  const actual = new InMemoryFold([conversionsProjection], (ref) => ref.collection === COMMISSION_TOTALS);
  let position: bigint | null = null;
  let conversionCount = 0;

  const simulatedOf = (partnerId: string, currency: string) => {
    const key = `${partnerId}\u0000${currency}`;
    let totals = simulated.get(key);
    if (!totals) simulated.set(key, (totals = emptyTotals()));
    return totals;
  };

  /** The referrers above `partnerId` as they are now, nearest first, at most `depth`. */
  const chainAbove = (partnerId: string, depth: number) => {
    const chain: ({ partnerId: string } & PartnerAtTime)[] = [];
    const seen = new Set([partnerId]);
    let next = partners.get(partnerId)?.referringPartnerId ?? null;
    while (next && chain.length < depth && !seen.has(next)) {
      seen.add(next);
      const upline = partners.get(next);
      if (!upline) break;
      chain.push({ partnerId: next, ...upline });
      next = upline.referringPartnerId;
    }
    return chain;
  };

  /** The lines of a sale under the simulated plan; the attributed partner was ACTIVE (it had a conversion). */
  const priceLines = (partnerId: string, amountMinor: number, currency: string, productId: string | null): CommissionLine[] => {
    const chain = chainAbove(partnerId, top - 1);
    const lines: CommissionLine[] = [];
    for (let level = 1; level <= top; level++) {
      const hasRate = level === 1 || plan.tiers.some((t) => t.level === level);
      if (!hasRate) continue;
      const partner = level === 1 ? { partnerId, status: 'ACTIVE' as PartnerStatus } : chain[level - 2];
      if (!partner || partner.status !== 'ACTIVE') continue;
      lines.push({ partnerId: partner.partnerId, level, amountMinor: commissionFor(plan, level, amountMinor, currency, productId) });
    }
    return lines;
  };

  /** A new pending conversion in the simulated world. */
  const pending = (conversionId: string, partnerId: string, amountMinor: number, currency: string, lines: CommissionLine[]) => {
    conversions.set(conversionId, { partnerId, currency, amountMinor, refundedMinor: 0, status: 'PENDING', commissions: lines, reversed: lines.map(() => 0) });
    for (const line of lines) {
      const t = simulatedOf(line.partnerId, currency);
      t.pending.count += 1;
      t.pending.amount += BigInt(line.amountMinor);
    }
  };

  /** Replays one event of the program under the simulated plan. */
  const replay = (event: RecordedLedgerEvent) => {
    switch (event.type) {
      case 'PartnerCreated': {
        const d = event.data;
        partners.set(d.partnerId, { status: d.status, referringPartnerId: d.referringPartnerId ?? null });
        return;
      }
      case 'PartnerStatusChanged': {
        const partner = partners.get(event.data.partnerId);
        if (partner) partner.status = event.data.to;
        return;
      }
      case 'TransactionRecorded': {
        const d = event.data;
        if (!d.attribution) return;
        const customer = customers.get(d.customerId) ?? { count: 0, firstAt: event.created.toISOString() };
        customer.count += 1;
        customers.set(d.customerId, customer);
        const purchase = { number: customer.count, firstAt: customer.firstAt, at: event.created.toISOString() };
        if (d.unattributedReason === null) sales.set(d.transactionKey, { productId: d.productId, purchase, at: event.created });
        // Outside the program's duration then (its partner was ACTIVE): the plan may pay it.
        else if (d.unattributedReason === 'commission_duration_ended' && priced(event.created) && withinDuration(duration, purchase)) {
          pending(conversionIdFor(d.transactionKey), d.attribution.partnerId, d.amountMinor, d.currency, priceLines(d.attribution.partnerId, d.amountMinor, d.currency, d.productId));
        }
        return;
      }
      case 'ConversionCreated': {
        const d = event.data;
        conversionCount += 1;
        const sale = sales.get(d.transactionKey);
        sales.delete(d.transactionKey);
        const lines = !priced(sale?.at ?? event.created)
          ? d.commissions
          : sale && !withinDuration(duration, sale.purchase)
            ? []
            : priceLines(d.partnerId, d.amountMinor, d.currency, sale?.productId ?? null);
        pending(d.conversionId, d.partnerId, d.amountMinor, d.currency, lines);
        return;
      }
      case 'ConversionApproved':
      case 'ConversionDenied': {
        const conversion = conversions.get(event.data.conversionId);
        if (!conversion || conversion.status !== 'PENDING') return;
        const to: BucketName = event.type === 'ConversionApproved' ? 'approved' : 'denied';
        conversion.status = event.type === 'ConversionApproved' ? 'APPROVED' : 'DENIED';
        for (const line of netCommissions(conversion)) {
          const t = simulatedOf(line.partnerId, conversion.currency);
          t.pending.count -= 1;
          t.pending.amount -= BigInt(line.amountMinor);
          t[to].count += 1;
          t[to].amount += BigInt(line.amountMinor);
        }
        return;
      }
      case 'TransactionRefunded': {
        const d = event.data;
        // A sale with no real conversion may have one in the simulation (see TransactionRecorded).
        const conversion = conversions.get(d.conversionId ?? conversionIdFor(d.transactionKey));
        if (!conversion) return;
        conversion.refundedMinor = d.refundedTotalMinor;
        // Nothing is taken back from a denied conversion: refundReversals is then empty.
        const from: BucketName = conversion.status === 'APPROVED' ? 'approved' : 'pending';
        const reversals = refundReversals(conversion, d.refundedTotalMinor, conversion.amountMinor);
        for (const reversal of reversals) {
          const t = simulatedOf(reversal.partnerId, conversion.currency);
          t[from].amount -= BigInt(reversal.amountMinor);
          t.reversed.count += 1;
          t.reversed.amount += BigInt(reversal.amountMinor);
        }
        conversion.reversed = addReversals(conversion.commissions, conversion.reversed, reversals);
        return;
      }
      case 'ConversionReopened': {
        const conversion = conversions.get(event.data.conversionId);
        if (!conversion || conversion.status !== 'DENIED') return;
        conversion.status = 'PENDING';
        for (const line of netCommissions(conversion)) {
          const t = simulatedOf(line.partnerId, conversion.currency);
          t.denied.count -= 1;
          t.denied.amount -= BigInt(line.amountMinor);
          t.pending.count += 1;
          t.pending.amount += BigInt(line.amountMinor);
        }
        // As the decider does: refunds made while denied are taken back now.
        const reversals = refundReversals(conversion, conversion.refundedMinor, conversion.amountMinor);
        for (const reversal of reversals) {
          const t = simulatedOf(reversal.partnerId, conversion.currency);
          t.pending.amount -= BigInt(reversal.amountMinor);
          t.reversed.count += 1;
          t.reversed.amount += BigInt(reversal.amountMinor);
        }
        conversion.reversed = addReversals(conversion.commissions, conversion.reversed, reversals);
        return;
      }
      // Nothing the pricing depends on. Payouts pay what was approved under the actual plan: a
      // re-priced history does not move them (the actual fold counts them as `paid`).
      case 'ProgramCreated':
      case 'PartnerDetailsUpdated':
      case 'CustomerCreated':
      case 'ConversionTriggerCreated':
      case 'ValueReserved':
      case 'ValueReleased':
      case 'PayoutCreated':
      case 'PayoutPaid':
      case 'PayoutCancelled':
      case 'CommissionPlanChanged':
      case 'CustomerPurchaseCounted':
        return;
      default:
        return assertNever(event);
    }
  };

  for await (const event of events) {
    if (event.data?.programId !== programId) continue;
    position = event.position;
    actual.apply(event);
    if (isLedgerEvent(event)) replay(event);
  }

  const today = new Map<string, Totals>();
  const paid = new Map<string, Bucket>();
  for (const doc of actual.docs.values()) {
    const { partnerId, currency } = doc as unknown as { partnerId: string; currency: string };
    const { pending, approved, denied, reversed, paid: paidBucket } = totalsOf(doc);
    today.set(`${partnerId}\u0000${currency}`, { pending, approved, denied, reversed });
    paid.set(`${partnerId}\u0000${currency}`, paidBucket);
  }
  const keys = [...new Set([...today.keys(), ...simulated.keys()])].sort();
  const rows: PartnerComparison[] = keys.map((key) => {
    const [partnerId, currency] = key.split('\u0000');
    const a = today.get(key) ?? emptyTotals();
    const s = simulated.get(key) ?? emptyTotals();
    const p = paid.get(key) ?? { count: 0, amount: 0n };
    return { partnerId, currency, actual: a, simulated: s, difference: subtract(s, a), paid: p, balance: { actual: a.approved.amount - p.amount, simulated: s.approved.amount - p.amount } };
  });
  const byCurrency = new Map<string, CurrencyComparison>();
  for (const row of rows) {
    let sum = byCurrency.get(row.currency);
    if (!sum) byCurrency.set(row.currency, (sum = { currency: row.currency, actual: emptyTotals(), simulated: emptyTotals(), difference: emptyTotals() }));
    for (const side of ['actual', 'simulated', 'difference'] as const) {
      for (const b of BUCKETS) {
        sum[side][b].count += row[side][b].count;
        sum[side][b].amount += row[side][b].amount;
      }
    }
  }
  return {
    programId,
    currency: input.currency,
    plan,
    from: input.from ?? null,
    partners: rows,
    total: [...byCurrency.values()].sort((x, y) => x.currency.localeCompare(y.currency)),
    conversions: conversionCount,
    position,
  };
}

export function subtract(x: Totals, y: Totals): Totals {
  const out = emptyTotals();
  for (const b of BUCKETS) out[b] = { count: x[b].count - y[b].count, amount: x[b].amount - y[b].amount };
  return out;
}

/** True when every bucket of every partner is the same in both worlds. */
export function isZeroDifference(result: SimulationResult): boolean {
  return result.partners.every((row) => BUCKETS.every((b) => row.difference[b].count === 0 && row.difference[b].amount === 0n));
}

export class ProgramNotFoundError extends Error {}

/**
 * Simulates a program's whole history from the event store: reads the program (currency, the plan
 * in effect now) from its stream, then replays its partner, transaction and payout streams in `$all` order.
 */
export async function simulateProgram(
  events: EventStore,
  programId: string,
  plan: unknown,
  options: { onProgress?: (done: number, total: number) => void; pageSize?: number; from?: Date } = {},
): Promise<SimulationResult & { currentPlan: CommissionPlan }> {
  const program = await programPlan(events, programId);
  if (!program) throw new ProgramNotFoundError(`program ${programId} not found`);
  // Only the categories the replay folds: the program stream is read above, and trigger and
  // reservation streams hold nothing that prices a conversion.
  const streamPrefixes = programStreamPrefixes(programId, ['partner', 'customer', 'transaction', 'payout']);
  const history = scanAll(events, { filter: { streamPrefixes }, onProgress: options.onProgress, pageSize: options.pageSize });
  const result = await simulatePlan(history, { programId, currency: program.currency, plan, from: options.from });
  return { ...result, currentPlan: program.plan };
}
