import { invalid } from '../errors.js';
import { numberText } from './json-number.js';
import { divideRoundHalfUp } from './money.js';

/** Percent rates carry up to 4 decimals ("12.5", "7.3333"), held as integer ten-thousandths. */
const RATE_SCALE = 10_000n;
const RATE = /^(\d{1,3})(?:\.(\d{1,4}))?$/;

export function parsePercent(input: unknown, field: string): string {
  // A JSON number by the text the sender wrote (JsonNumber), as amounts are.
  const text = typeof input === 'string' ? input : numberText(input);
  if (typeof text !== 'string' || !RATE.test(text.trim())) {
    throw invalid('invalid_rate', `${field} must be a percentage like 10 or 12.5 (up to 4 decimals)`, field);
  }
  const scaled = percentToScaled(text.trim());
  if (scaled <= 0n || scaled > 100n * RATE_SCALE) {
    throw invalid('invalid_rate', `${field} must be greater than 0 and at most 100`, field);
  }
  // Canonical text, so equal rates compare equal: "10.50" → "10.5".
  const whole = scaled / RATE_SCALE;
  const frac = (scaled % RATE_SCALE).toString().padStart(4, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

function percentToScaled(text: string): bigint {
  const [whole, frac = ''] = text.split('.');
  return BigInt(whole) * RATE_SCALE + BigInt((frac + '0000').slice(0, 4));
}

/** percent of amount, rounded half away from zero to the minor unit: 10% of 14999 → 1500. */
export function percentOf(amountMinor: number, percent: string): number {
  return Number(divideRoundHalfUp(BigInt(amountMinor) * percentToScaled(percent), 100n * RATE_SCALE));
}

/** Share of `total` proportional to part/whole, rounded half away from zero. */
export function proportion(total: number, part: number, whole: number): number {
  if (whole === 0) return 0;
  return Number(divideRoundHalfUp(BigInt(total) * BigInt(part), BigInt(whole)));
}
