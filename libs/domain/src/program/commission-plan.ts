import { invalid } from '../errors.js';
import { formatAmount, parseAmount } from '../money/money.js';
import { parsePercent, percentOf } from '../money/rate.js';

export type CommissionType = 'PERCENT_OF_SALE' | 'FLAT_RATE';
export const COMMISSION_TYPES: CommissionType[] = ['PERCENT_OF_SALE', 'FLAT_RATE'];
export const MAX_TIER_LEVEL = 10;

/**
 * `amount` is a percentage ("10") for PERCENT_OF_SALE and a money amount in the program's currency
 * ("5.00") for FLAT_RATE. Level 1 is the partner the sale is attributed to and earns `commission`;
 * a tier of level N ≥ 2 pays the (N-1)-th referring partner up that partner's chain, at the same
 * commission type.
 */
export interface CommissionPlan {
  commission: { type: CommissionType; amount: string };
  tiers: { level: number; amount: string }[];
}

export interface CommissionLine {
  partnerId: string;
  level: number;
  amountMinor: number;
}

/** Validates and canonicalises a plan as sent by a client. */
export function parseCommissionPlan(input: { commission: { type: unknown; amount: unknown }; tiers?: { level: unknown; amount: unknown }[] }, currency: string): CommissionPlan {
  const type = input.commission?.type;
  if (!COMMISSION_TYPES.includes(type as CommissionType)) {
    throw invalid('invalid_commission_type', `commission.type must be one of ${COMMISSION_TYPES.join(', ')}`, 'commission.type');
  }
  const rate = (value: unknown, field: string) => (type === 'PERCENT_OF_SALE' ? parsePercent(value, field) : formatAmount(parseAmount(value, currency, field), currency));
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
  return { commission: { type: type as CommissionType, amount: rate(input.commission.amount, 'commission.amount') }, tiers };
}

/** The commission one level earns on a sale, exact to the minor unit. */
export function commissionFor(plan: CommissionPlan, level: number, saleMinor: number, currency: string): number {
  const amount = level === 1 ? plan.commission.amount : plan.tiers.find((t) => t.level === level)?.amount;
  if (amount === undefined) return 0;
  return plan.commission.type === 'PERCENT_OF_SALE' ? percentOf(saleMinor, amount) : parseAmount(amount, currency);
}

export function maxLevel(plan: CommissionPlan): number {
  return Math.max(1, ...plan.tiers.map((t) => t.level));
}
