import { describe, expect, it } from '@jest/globals';
import { formatAmount, MAX_MINOR } from './money.js';
import { loadMinor, minorOrderKey, storeMinor, sumMinor } from './minor-sum.js';

describe('sums of minor units', () => {
  it('adds 100 maximum amounts exactly, past 2^53, where numbers round', () => {
    const amounts = Array.from({ length: 100 }, (_, i) => MAX_MINOR - (i % 2));
    const sum = sumMinor(amounts);
    expect(sum).toBe(100n * BigInt(MAX_MINOR) - 50n);
    expect(sum > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(formatAmount(sum, 'USD')).toBe('99999999999999.50');
    // What a JS number makes of the same sum: not the total the events add up to.
    expect(amounts.reduce((a, b) => a + b, 0)).not.toBe(Number(sum));
  });

  it('stores as a decimal string and loads it, or a number written before, back', () => {
    const big = 12345678901234567890n;
    expect(storeMinor(big)).toBe('12345678901234567890');
    expect(loadMinor(storeMinor(big))).toBe(big);
    expect(loadMinor(storeMinor(-42n))).toBe(-42n);
    expect(loadMinor(1500)).toBe(1500n);
    expect(loadMinor(undefined)).toBe(0n);
    expect(() => loadMinor(1.5)).toThrow('not a sum of minor units');
    expect(() => loadMinor(2 ** 60)).toThrow('not a sum of minor units');
    expect(() => loadMinor('1e3')).toThrow('not a sum of minor units');
  });

  it('formats bigint and number alike', () => {
    expect(formatAmount(1500n, 'USD')).toBe('15.00');
    expect(formatAmount(-5n, 'USD')).toBe('-0.05');
    expect(formatAmount(10_000_000_000_000_001n, 'JPY')).toBe('10000000000000001');
  });

  it('orders keys as the numbers they stand for', () => {
    const sums = [0n, 9n, 10n, -1n, -10n, -9n, 99n, 100n, 10n ** 30n, -(10n ** 30n), 123n, 122n];
    const byKey = [...sums].sort((a, b) => (minorOrderKey(a) < minorOrderKey(b) ? -1 : minorOrderKey(a) > minorOrderKey(b) ? 1 : 0));
    expect(byKey).toEqual([...sums].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });
});
