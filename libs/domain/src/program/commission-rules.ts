import { invalid } from '../errors.js';
import { assertNever } from '../exhaustive.js';
import { formatAmount, parseAmount } from '../money/money.js';
import { parsePercent } from '../money/rate.js';

export type CommissionType = 'PERCENT_OF_SALE' | 'FLAT_RATE';
export const COMMISSION_TYPES: CommissionType[] = ['PERCENT_OF_SALE', 'FLAT_RATE'];

/**
 * How long a customer earns its partner commission, counted from the customer's first attributed
 * purchase in the program (whoever the partner): ONE_TIME that purchase only, MONTHS `count`
 * calendar months from it, PAYMENTS its first `count` attributed purchases, LIFETIME always.
 */
export type DurationType = 'ONE_TIME' | 'LIFETIME' | 'MONTHS' | 'PAYMENTS';
export const DURATION_TYPES: DurationType[] = ['ONE_TIME', 'LIFETIME', 'MONTHS', 'PAYMENTS'];
export type CommissionDuration = { type: 'ONE_TIME' | 'LIFETIME' } | { type: 'MONTHS' | 'PAYMENTS'; count: number };
export const LIFETIME: CommissionDuration = { type: 'LIFETIME' };
/** Sane bounds: ten years of months, a thousand payments. */
export const MAX_DURATION_COUNT: Record<'MONTHS' | 'PAYMENTS', number> = { MONTHS: 120, PAYMENTS: 1000 };

/** A product's own rate, replacing the program's level-1 commission on sales of that product. */
export interface ProductRate {
  productId: string;
  type: CommissionType;
  amount: string;
}
export const MAX_PRODUCT_RATES = 500;

/** A percentage for PERCENT_OF_SALE ("10", at most 100), money in the currency for FLAT_RATE ("5.00"). */
export function parseRate(type: CommissionType, value: unknown, currency: string, field: string): string {
  return type === 'PERCENT_OF_SALE' ? parsePercent(value, field) : formatAmount(parseAmount(value, currency, field), currency);
}

export function parseCommissionType(value: unknown, field: string): CommissionType {
  if (!COMMISSION_TYPES.includes(value as CommissionType)) {
    throw invalid('invalid_commission_type', `${field} must be one of ${COMMISSION_TYPES.join(', ')}`, field);
  }
  return value as CommissionType;
}

export function parseDuration(input: unknown, field = 'commission.duration'): CommissionDuration {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw invalid('invalid_duration', `${field} must be {type, count?}`, field);
  const { type, count } = input as { type?: unknown; count?: unknown };
  if (!DURATION_TYPES.includes(type as DurationType)) {
    throw invalid('invalid_duration_type', `${field}.type must be one of ${DURATION_TYPES.join(', ')}`, `${field}.type`);
  }
  if (type === 'ONE_TIME' || type === 'LIFETIME') {
    if (count !== undefined && count !== null) throw invalid('invalid_duration_count', `${field}.count is only for MONTHS and PAYMENTS`, `${field}.count`);
    return { type };
  }
  const max = MAX_DURATION_COUNT[type as 'MONTHS' | 'PAYMENTS'];
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > max) {
    throw invalid('invalid_duration_count', `${field}.count must be an integer from 1 to ${max} for ${String(type)}`, `${field}.count`);
  }
  return { type: type as 'MONTHS' | 'PAYMENTS', count };
}

export function parseProductRates(input: unknown, currency: string): ProductRate[] {
  if (!Array.isArray(input)) throw invalid('invalid_product_rates', 'productRates must be a list of {productId, type, amount}', 'productRates');
  if (input.length > MAX_PRODUCT_RATES) throw invalid('invalid_product_rates', `productRates may have at most ${MAX_PRODUCT_RATES} entries`, 'productRates');
  const rates = input.map((entry: unknown, i): ProductRate => {
    const field = `productRates.${i}`;
    if (!entry || typeof entry !== 'object') throw invalid('invalid_product_rates', `${field} must be {productId, type, amount}`, field);
    const { productId, type, amount } = entry as Record<string, unknown>;
    if (typeof productId !== 'string' || productId.trim() === '' || productId.length > 128) {
      throw invalid('invalid_product_id', `${field}.productId must be a non-empty string of at most 128 characters`, `${field}.productId`);
    }
    const commissionType = parseCommissionType(type, `${field}.type`);
    return { productId, type: commissionType, amount: parseRate(commissionType, amount, currency, `${field}.amount`) };
  });
  if (new Set(rates.map((r) => r.productId)).size !== rates.length) throw invalid('duplicate_product_rate', 'each productId may have one rate', 'productRates');
  return rates;
}

/** `at` plus `months` calendar months in UTC; a day the month lacks is its last day (31 Jan + 1 → 28/29 Feb). */
export function addMonths(at: Date, months: number): Date {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(at.getUTCDate(), lastDay), at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds(), at.getUTCMilliseconds()));
}

/** A customer's attributed purchase: the `number`-th, at `at`; the first was at `firstAt` (ISO times). */
export interface CustomerPurchase {
  number: number;
  firstAt: string;
  at: string;
}

/** Whether a purchase still earns commission under `duration`. */
export function withinDuration(duration: CommissionDuration, purchase: CustomerPurchase): boolean {
  switch (duration.type) {
    case 'LIFETIME':
      return true;
    case 'ONE_TIME':
      return purchase.number === 1;
    case 'PAYMENTS':
      return purchase.number <= duration.count;
    case 'MONTHS':
      return new Date(purchase.at).getTime() < addMonths(new Date(purchase.firstAt), duration.count).getTime();
    default:
      return assertNever(duration);
  }
}
