/**
 * Sums of minor units: one transaction stays under MAX_MINOR (a JS number, exact), but a sum of
 * many (a partner's totals, a program's, a payout's) passes 2^53 and a number would round it. Sums
 * are therefore added as BigInt in memory and written as decimal strings of minor units
 * ("10000000000000000"), the one representation both read stores (SQLite JSON, MongoDB
 * documents) and the event log keep exactly. This file is the only place that converts.
 */

/** A sum as documents and events hold it: a decimal string; a JSON number in what was written before. */
export type StoredMinor = string | number;

const INTEGER = /^-?\d+$/;

/** The stored form of a sum. */
export const storeMinor = (sum: bigint): string => sum.toString();

/**
 * A stored sum back as BigInt. Tolerant of the numbers documents and events held before sums were
 * strings (they were exact as long as they stayed under 2^53, which is all they could hold), and of
 * a missing field (a bucket a document never had: zero).
 */
export function loadMinor(value: unknown): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && INTEGER.test(value)) return BigInt(value);
  throw new Error(`not a sum of minor units: ${JSON.stringify(value)}`);
}

/** Adds stored or in-memory amounts exactly. */
export const sumMinor = (values: Iterable<unknown>): bigint => {
  let sum = 0n;
  for (const value of values) sum += loadMinor(value);
  return sum;
};

/**
 * A string whose plain (byte-wise) order is the numeric order of `sum`, for a read model sorted by
 * an amount: SQLite and MongoDB compare strings byte by byte, so "9" would sort after "10". A
 * non-negative sum is "1", its digit count in six digits, then its digits; a negative one is "0",
 * the complement of its digit count, then its digits' complements (a larger debt sorts first).
 */
export function minorOrderKey(sum: bigint): string {
  const digits = (sum < 0n ? -sum : sum).toString();
  const width = 6;
  if (digits.length >= 10 ** width) throw new Error('sum too long to order');
  if (sum >= 0n) return `1${String(digits.length).padStart(width, '0')}${digits}`;
  const complement = [...digits].map((d) => String(9 - Number(d))).join('');
  return `0${String(10 ** width - 1 - digits.length).padStart(width, '0')}${complement}`;
}
