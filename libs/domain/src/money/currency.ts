import { invalid } from '../errors.js';

const supported = new Set(Intl.supportedValuesOf('currency'));
const digitsCache = new Map<string, number>();

/** ISO 4217 code check against the ICU data Node ships with, so no table of ours goes stale. */
export function assertCurrency(code: unknown, field = 'currency'): string {
  if (typeof code !== 'string' || !/^[A-Z]{3}$/.test(code) || !supported.has(code)) {
    throw invalid('unknown_currency', `${String(code)} is not an ISO 4217 currency code`, field);
  }
  return code;
}

/** Minor-unit digits of a currency: USD 2, JPY 0, BHD 3. */
export function minorDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsCache.set(currency, digits);
  }
  return digits;
}
