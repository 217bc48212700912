import { invalid } from '../errors.js';
import { minorDigits } from './currency.js';

/**
 * Money is an integer count of minor units plus a currency, carried as a JS number: every amount is
 * capped at MAX_MINOR (well inside 2^53), and products that could exceed it use BigInt.
 */
export const MAX_MINOR = 1_000_000_000_000_00; // 1e14 minor units: a trillion dollars

const DECIMAL = /^(\d{1,16})(?:\.(\d+))?$/;

/**
 * Parses a decimal amount ("149.99" or 149.99) into minor units without floating-point
 * arithmetic: a JSON number is taken by its shortest decimal representation, which is exactly the
 * text the sender wrote for any amount that fits the currency's digits.
 */
export function parseAmount(input: unknown, currency: string, field = 'amount', opts: { allowZero?: boolean } = {}): number {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw invalid('invalid_amount', `${field} must be a finite number`, field);
    text = String(input);
    if (/e/i.test(text)) throw invalid('invalid_amount', `${field} is out of range`, field);
  } else if (typeof input === 'string') {
    text = input.trim();
  } else {
    throw invalid('invalid_amount', `${field} must be a decimal string or number`, field);
  }
  if (text.startsWith('-')) throw invalid('invalid_amount', `${field} must not be negative`, field);
  const match = DECIMAL.exec(text);
  if (!match) throw invalid('invalid_amount', `${field} must be a decimal like 149.99`, field);
  const digits = minorDigits(currency);
  const fraction = match[2] ?? '';
  if (fraction.replace(/0+$/, '').length > digits) {
    throw invalid('invalid_amount', `${field} has more than ${digits} decimal places for ${currency}`, field);
  }
  const minor = BigInt(match[1]) * 10n ** BigInt(digits) + BigInt((fraction + '0'.repeat(digits)).slice(0, digits) || '0');
  if (minor > BigInt(MAX_MINOR)) throw invalid('invalid_amount', `${field} exceeds the maximum amount`, field);
  if (minor === 0n && !opts.allowZero) throw invalid('invalid_amount', `${field} must be greater than zero`, field);
  return Number(minor);
}

/**
 * Minor units → decimal string with the currency's digits: 1500 USD → "15.00". A bigint is a sum
 * (see minor-sum.ts), exact past 2^53.
 */
export function formatAmount(minor: number | bigint, currency: string): string {
  const digits = minorDigits(currency);
  const value = BigInt(minor);
  const negative = value < 0n;
  const abs = (negative ? -value : value).toString().padStart(digits + 1, '0');
  const text = digits === 0 ? abs : `${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
  return negative ? `-${text}` : text;
}

/** Integer division rounding half away from zero (all our operands are non-negative). */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (2n * numerator + denominator) / (2n * denominator);
}
