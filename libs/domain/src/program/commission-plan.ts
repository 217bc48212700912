import { invalid } from '../errors.js';
import { parseAmount } from '../money/money.js';
import { percentOf } from '../money/rate.js';
import { type CommissionDuration, type CommissionType, LIFETIME, parseCommissionType, parseDuration, parseProductRates, parseRate, type ProductRate } from './commission-rules.js';

export { COMMISSION_TYPES, type CommissionType } from './commission-rules.js';
export const MAX_TIER_LEVEL = 10;

/**
 * `amount` is a percentage ("10") for PERCENT_OF_SALE and a money amount in the program's currency
 * ("5.00") for FLAT_RATE. Level 1 is the partner the sale is attributed to and earns `commission`;
 * a tier of level N ≥ 2 pays the (N-1)-th referring partner up that partner's chain, at the same
 * commission type.
 *
 * `commission.duration` and `productRates` are absent from plans recorded before they existed (and
 * from a ProgramCreated whose client did not send them): absent means LIFETIME and none.
 */
export interface CommissionPlan {
  commission: { type: CommissionType; amount: string; duration?: CommissionDuration };
  tiers: { level: number; amount: string }[];
  productRates?: ProductRate[];
}

export interface CommissionLine {
  partnerId: string;
  level: number;
  amountMinor: number;
}

export interface CommissionPlanInput {
  commission: { type: unknown; amount: unknown; duration?: unknown };
  tiers?: { level: unknown; amount: unknown }[];
  productRates?: unknown;
}

/** Validates and canonicalises a plan as sent by a client; the optional parts are kept only when sent. */
export function parseCommissionPlan(input: CommissionPlanInput, currency: string): CommissionPlan {
  const type = parseCommissionType(input.commission?.type, 'commission.type');
  const rate = (value: unknown, field: string) => parseRate(type, value, currency, field);
  if (input.tiers !== undefined && input.tiers !== null && !Array.isArray(input.tiers)) {
    throw invalid('invalid_tiers', 'tiers must be a list of {level, amount}', 'tiers');
  }
  const tiers = (input.tiers ?? []).map((tier, i) => {
    if (!tier || typeof tier !== 'object') throw invalid('invalid_tiers', `tiers.${i} must be {level, amount}`, `tiers.${i}`);
    const level = tier.level;
    if (typeof level !== 'number' || !Number.isInteger(level) || level < 2 || level > MAX_TIER_LEVEL) {
      throw invalid('invalid_tier_level', `tiers.${i}.level must be an integer from 2 to ${MAX_TIER_LEVEL} (level 1 is the commission itself)`, `tiers.${i}.level`);
    }
    return { level, amount: rate(tier.amount, `tiers.${i}.amount`) };
  });
  const levels = new Set(tiers.map((t) => t.level));
  if (levels.size !== tiers.length) throw invalid('duplicate_tier_level', 'each tier level may appear once', 'tiers');
  tiers.sort((a, b) => a.level - b.level);
  const commission: CommissionPlan['commission'] = { type, amount: rate(input.commission.amount, 'commission.amount') };
  if (input.commission.duration !== undefined && input.commission.duration !== null) commission.duration = parseDuration(input.commission.duration);
  const plan: CommissionPlan = { commission, tiers };
  if (input.productRates !== undefined && input.productRates !== null) plan.productRates = parseProductRates(input.productRates, currency);
  return plan;
}

/** The plan with its defaults spelled out: what a CommissionPlanChanged records and a reader shows. */
export function completePlan(plan: CommissionPlan): Required<CommissionPlan> & { commission: { duration: CommissionDuration } } {
  return { commission: { ...plan.commission, duration: plan.commission.duration ?? LIFETIME }, tiers: plan.tiers, productRates: plan.productRates ?? [] };
}

/**
 * The level-1 rate of a sale of `productId`: the product's own when it has one, else the program's.
 * Tiers (levels ≥ 2) always keep the program's rates and type: a product rate prices what the seller
 * earns on that product, the referrers above it earn their usual share of the sale.
 */
export function levelOneRate(plan: CommissionPlan, productId: string | null): { type: CommissionType; amount: string; productId?: string } {
  const own = productId === null ? undefined : plan.productRates?.find((r) => r.productId === productId);
  return own ? { type: own.type, amount: own.amount, productId: own.productId } : { type: plan.commission.type, amount: plan.commission.amount };
}

/** The commission one level earns on a sale, exact to the minor unit. */
export function commissionFor(plan: CommissionPlan, level: number, saleMinor: number, currency: string, productId: string | null = null): number {
  const { type, amount } = level === 1 ? levelOneRate(plan, productId) : { type: plan.commission.type, amount: plan.tiers.find((t) => t.level === level)?.amount };
  if (amount === undefined) return 0;
  return type === 'PERCENT_OF_SALE' ? percentOf(saleMinor, amount) : parseAmount(amount, currency);
}

export function maxLevel(plan: CommissionPlan): number {
  return Math.max(1, ...plan.tiers.map((t) => t.level));
}
