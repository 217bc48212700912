import { invalid } from '../errors.js';
import { minorDigits } from './currency.js';
import { numberText } from './json-number.js';

/**
 * Money is an integer count of minor units plus a currency, carried as a JS number: every amount is
 * capped at MAX_MINOR (well inside 2^53), and products that could exceed it use BigInt.
 */
export const MAX_MINOR = 1_000_000_000_000_00; // 1e14 minor units: a trillion dollars

/**
 * The one amount grammar, for strings and JSON numbers alike: digits without padding, one optional
 * point followed by at most the currency's digits. No sign, exponent, spaces, separators or
 * leading zeros: anything else is a client bug better refused than guessed at.
 */
const DECIMAL = /^(0|[1-9]\d{0,15})(?:\.(\d+))?$/;

/**
 * Parses a decimal amount ("149.99" or 149.99) into minor units without floating-point
 * arithmetic. A JSON number is judged by the text the sender wrote: the body parser keeps that
 * text (JsonNumber) whenever the float would not give it back, so `1e3`, `149.99000000000001` and
 * `1.500` are refused exactly as the same characters in a string are.
 */
export function parseAmount(input: unknown, currency: string, field = 'amount', opts: { allowZero?: boolean } = {}): number {
  const text = typeof input === 'string' ? input : numberText(input);
  if (text === undefined) throw invalid('invalid_amount', `${field} must be a decimal string or number`, field);
  if (text.startsWith('-')) throw invalid('invalid_amount', `${field} must not be negative`, field);
  const match = DECIMAL.exec(text);
  if (!match) throw invalid('invalid_amount', `${field} must be a decimal like 149.99: digits, at most one point, no sign, exponent or spaces`, field);
  const digits = minorDigits(currency);
  const fraction = match[2] ?? '';
  if (fraction.length > digits) {
    throw invalid('invalid_amount', `${field} has more than ${digits} decimal places for ${currency}`, field);
  }
  const minor = BigInt(match[1]) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0');
  if (minor > BigInt(MAX_MINOR)) throw invalid('invalid_amount', `${field} exceeds the maximum amount of ${formatAmount(MAX_MINOR, currency)} ${currency}`, field);
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
