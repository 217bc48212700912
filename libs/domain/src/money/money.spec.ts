import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../errors.js';
import { assertCurrency, minorDigits } from './currency.js';
import { JsonNumber } from './json-number.js';
import { divideRoundHalfUp, formatAmount, MAX_MINOR, parseAmount } from './money.js';
import { parsePercent, percentOf, proportion } from './rate.js';
import { seeded } from '@partner-ledger/testing';

function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a DomainError, nothing was thrown');
}

describe('currency', () => {
  it('accepts ISO 4217 codes and knows their minor digits', () => {
    expect(assertCurrency('USD')).toBe('USD');
    expect(minorDigits('USD')).toBe(2);
    expect(minorDigits('EUR')).toBe(2);
    expect(minorDigits('JPY')).toBe(0);
    expect(minorDigits('BHD')).toBe(3);
  });

  it.each([['XYZ'], ['usd'], ['US'], ['USDX'], [''], [840], [null], [undefined]])('refuses %p as unknown_currency', (code) => {
    const error = refusal(() => assertCurrency(code));
    expect([error.kind, error.code, error.field]).toEqual(['validation', 'unknown_currency', 'currency']);
  });

  it('names the field it was given', () => {
    expect(refusal(() => assertCurrency('XYZ', 'program.currency')).field).toBe('program.currency');
  });
});

describe('parseAmount', () => {
  it.each([
    ['149.99', 'USD', 14999],
    [149.99, 'USD', 14999],
    ['149.9', 'USD', 14990],
    ['149', 'USD', 14900],
    [149, 'USD', 14900],
    [new JsonNumber('149.90'), 'USD', 14990], // a JSON number written with its trailing zero
    [new JsonNumber('1.50'), 'BHD', 1500],
    [0.1, 'USD', 10],
    ['0.01', 'USD', 1],
    ['100', 'JPY', 100],
    [100, 'JPY', 100],
    ['1.234', 'BHD', 1234],
    ['1.5', 'BHD', 1500],
    ['0.001', 'BHD', 1],
    ['1000000000000', 'USD', MAX_MINOR], // the maximum itself is allowed
  ])('parses %p %s as %p minor units', (input, currency, minor) => {
    expect(parseAmount(input, currency)).toBe(minor);
  });

  it.each([
    ['-1', 'USD'],
    [-1, 'USD'],
    ['-0.01', 'USD'],
    ['0', 'USD'],
    [0, 'USD'],
    ['0.00', 'USD'],
    [Number.NaN, 'USD'],
    [Number.POSITIVE_INFINITY, 'USD'],
    ['1e5', 'USD'],
    [1e21, 'USD'], // String(1e21) is "1e+21"
    [1e-7, 'USD'],
    ['149.999', 'USD'], // too many decimals
    [0.1 + 0.2, 'USD'], // 0.30000000000000004
    ['100.5', 'JPY'],
    ['1.2345', 'BHD'],
    ['1000000000000.01', 'USD'], // > MAX_MINOR
    ['99999999999999999', 'USD'], // 17 integer digits
    [1e15, 'USD'],
    ['abc', 'USD'],
    ['', 'USD'],
    ['1.', 'USD'],
    ['.5', 'USD'],
    ['1,000.00', 'USD'],
    ['+5', 'USD'],
    // One grammar for strings and JSON numbers: no padding, exponent, sign or extra digits.
    [' 149.99', 'USD'],
    ['149.99 ', 'USD'],
    ['\t1', 'USD'],
    ['0149.99', 'USD'],
    ['149.990', 'USD'], // more digits than the currency has, even if zeros
    ['100.0', 'JPY'],
    ['1e3', 'USD'],
    [new JsonNumber('1e3'), 'USD'],
    [new JsonNumber('1E3'), 'USD'],
    [new JsonNumber('149.99000000000001'), 'USD'], // the float is 149.99; the text is not
    [new JsonNumber('149.990'), 'USD'],
    [new JsonNumber('-0'), 'USD'],
    [new JsonNumber('1E400'), 'USD'],
    [null, 'USD'],
    [undefined, 'USD'],
    [{}, 'USD'],
    [[1], 'USD'],
  ])('refuses %p %s with invalid_amount on field amount', (input, currency) => {
    const error = refusal(() => parseAmount(input, currency));
    expect([error.kind, error.code, error.field]).toEqual(['validation', 'invalid_amount', 'amount']);
  });

  it('allows zero only when asked, and names the field it was given', () => {
    expect(parseAmount('0', 'USD', 'amount', { allowZero: true })).toBe(0);
    expect(refusal(() => parseAmount('x', 'USD', 'tiers.0.amount')).field).toBe('tiers.0.amount');
  });
});

describe('formatAmount', () => {
  it.each([
    [1500, 'USD', '15.00'],
    [14999, 'USD', '149.99'],
    [5, 'USD', '0.05'],
    [0, 'USD', '0.00'],
    [-1500, 'USD', '-15.00'],
    [-5, 'USD', '-0.05'],
    [100, 'JPY', '100'],
    [0, 'JPY', '0'],
    [1234, 'BHD', '1.234'],
    [1, 'BHD', '0.001'],
    [MAX_MINOR, 'USD', '1000000000000.00'],
  ])('formats %p %s as %p', (minor, currency, text) => {
    expect(formatAmount(minor, currency)).toBe(text);
  });

  it('round-trips with parseAmount', () => {
    for (const [text, currency] of [
      ['149.99', 'USD'],
      ['0.05', 'USD'],
      ['100', 'JPY'],
      ['1.234', 'BHD'],
    ] as const) {
      expect(formatAmount(parseAmount(text, currency), currency)).toBe(text);
    }
  });
});

describe('rounding', () => {
  it('divides rounding half away from zero', () => {
    expect(divideRoundHalfUp(5n, 2n)).toBe(3n); // 2.5 → 3
    expect(divideRoundHalfUp(4n, 2n)).toBe(2n);
    expect(divideRoundHalfUp(1n, 3n)).toBe(0n); // 0.33 → 0
    expect(divideRoundHalfUp(2n, 3n)).toBe(1n); // 0.67 → 1
    expect(divideRoundHalfUp(0n, 7n)).toBe(0n);
  });

  it('10% of 149.99 is 15.00', () => {
    expect(percentOf(14999, '10')).toBe(1500);
    expect(formatAmount(percentOf(parseAmount('149.99', 'USD'), parsePercent('10', 'rate')), 'USD')).toBe('15.00');
  });

  it.each([
    [4, '12.5', 1], // 0.005 → 0.01: half rounds up
    [4, '10', 0], // 0.004 → 0.00
    [5, '10', 1], // 0.5 minor → 1
    [15, '10', 2], // 1.5 → 2
    [25, '10', 3], // 2.5 → 3 (not banker's 2)
    [14, '10', 1], // 1.4 → 1
    [1, '100', 1],
    [3, '33.3333', 1], // 0.999999 → 1
    [10001, '7.3333', 733], // 733.40333 → 733
    [MAX_MINOR, '100', MAX_MINOR], // no overflow: products are BigInt
    [MAX_MINOR, '0.0001', 100_000_000], // 1e14 × 1e-6
  ])('%p minor at %p%% is %p minor', (amount, rate, expected) => {
    expect(percentOf(amount, rate)).toBe(expected);
  });

  it('percentOf is the exact product rounded half up (1000 random cases)', () => {
    const rnd = seeded(42);
    for (let i = 0; i < 1000; i++) {
      const amount = 1 + Math.floor(rnd() * 1e9);
      const scaled = 1 + Math.floor(rnd() * 1_000_000); // 0.0001% .. 100%
      const rate = `${Math.floor(scaled / 10_000)}.${String(scaled % 10_000).padStart(4, '0')}`;
      const result = BigInt(percentOf(amount, rate));
      // exact = amount * scaled / 1e6; |exact - result| ≤ 1/2, and an exact half rounds up
      const diff = 2n * (BigInt(amount) * BigInt(scaled) - result * 1_000_000n);
      expect(diff <= 1_000_000n && diff > -1_000_000n).toBe(true);
    }
  });

  it('proportion shares a total by part/whole, rounding half up', () => {
    expect(proportion(733, 3333, 10001)).toBe(244); // 244.297
    expect(proportion(733, 6667, 10001)).toBe(489); // 488.70
    expect(proportion(733, 10001, 10001)).toBe(733);
    expect(proportion(3, 1, 2)).toBe(2); // 1.5 → 2
    expect(proportion(0, 5, 10)).toBe(0);
    expect(proportion(100, 5, 0)).toBe(0);
  });
});

describe('parsePercent', () => {
  it.each([
    ['10', '10'],
    [10, '10'],
    ['10.50', '10.5'],
    ['12.5', '12.5'],
    [12.5, '12.5'],
    ['7.3333', '7.3333'],
    ['0.0001', '0.0001'],
    ['100', '100'],
    ['100.0000', '100'],
    [' 10 ', '10'],
    ['010', '10'],
  ])('accepts %p as %p', (input, canonical) => {
    expect(parsePercent(input, 'rate')).toBe(canonical);
  });

  it.each([['0'], [0], ['0.0000'], ['100.0001'], ['101'], ['1000'], ['-5'], [-5], ['10.12345'], ['abc'], [''], ['1e1'], [null], [Number.NaN], [{}]])(
    'refuses %p with invalid_rate',
    (input) => {
      const error = refusal(() => parsePercent(input, 'commission.amount'));
      expect([error.kind, error.code, error.field]).toEqual(['validation', 'invalid_rate', 'commission.amount']);
    },
  );
});
