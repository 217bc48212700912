import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../errors.js';
import { addMonths, type CommissionDuration, parseDuration, parseProductRates, withinDuration } from './commission-rules.js';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const e = error as DomainError;
    return { code: e.code, kind: e.kind, field: e.field };
  }
  throw new Error('expected a refusal');
};

describe('commission duration', () => {
  it('accepts the four types; count only (and required) for MONTHS and PAYMENTS', () => {
    expect(parseDuration({ type: 'ONE_TIME' })).toEqual({ type: 'ONE_TIME' });
    expect(parseDuration({ type: 'LIFETIME', count: null })).toEqual({ type: 'LIFETIME' });
    expect(parseDuration({ type: 'MONTHS', count: 12 })).toEqual({ type: 'MONTHS', count: 12 });
    expect(parseDuration({ type: 'PAYMENTS', count: 1000 })).toEqual({ type: 'PAYMENTS', count: 1000 });
    expect(parseDuration({ type: 'MONTHS', count: 120 })).toEqual({ type: 'MONTHS', count: 120 });
  });

  it.each([[null], ['LIFETIME'], [[]]])('refuses a duration that is not an object (%p)', (input) => {
    expect(refusal(() => parseDuration(input))).toEqual({ code: 'invalid_duration', kind: 'validation', field: 'commission.duration' });
  });

  it.each([['FOREVER'], ['one_time'], [undefined]])('refuses duration type %p', (type) => {
    expect(refusal(() => parseDuration({ type }))).toEqual({ code: 'invalid_duration_type', kind: 'validation', field: 'commission.duration.type' });
  });

  it.each([
    ['MONTHS', undefined],
    ['MONTHS', 0],
    ['MONTHS', -3],
    ['MONTHS', 1.5],
    ['MONTHS', '12'],
    ['MONTHS', 121],
    ['PAYMENTS', 1001],
    ['PAYMENTS', null],
    ['ONE_TIME', 1],
    ['LIFETIME', 12],
  ])('refuses %s with count %p', (type, count) => {
    expect(refusal(() => parseDuration({ type, count }))).toEqual({ code: 'invalid_duration_count', kind: 'validation', field: 'commission.duration.count' });
  });

  const first = '2026-01-31T10:00:00.000Z';
  const purchase = (number: number, at = first) => ({ number, firstAt: first, at });

  it('LIFETIME pays every purchase; ONE_TIME the first only; PAYMENTS the first count', () => {
    const lifetime: CommissionDuration = { type: 'LIFETIME' };
    expect(withinDuration(lifetime, purchase(999))).toBe(true);
    expect(withinDuration({ type: 'ONE_TIME' }, purchase(1))).toBe(true);
    expect(withinDuration({ type: 'ONE_TIME' }, purchase(2))).toBe(false);
    expect(withinDuration({ type: 'PAYMENTS', count: 3 }, purchase(3))).toBe(true);
    expect(withinDuration({ type: 'PAYMENTS', count: 3 }, purchase(4))).toBe(false);
  });

  it('MONTHS pays until count calendar months after the first purchase, exclusive', () => {
    const months: CommissionDuration = { type: 'MONTHS', count: 1 };
    // 31 January + 1 month is the last day of February, same time of day.
    expect(withinDuration(months, purchase(5, '2026-02-28T09:59:59.999Z'))).toBe(true);
    expect(withinDuration(months, purchase(5, '2026-02-28T10:00:00.000Z'))).toBe(false);
    expect(withinDuration({ type: 'MONTHS', count: 12 }, purchase(2, '2027-01-31T09:00:00.000Z'))).toBe(true);
    expect(withinDuration({ type: 'MONTHS', count: 12 }, purchase(2, '2027-01-31T10:00:00.000Z'))).toBe(false);
  });

  it('adds calendar months in UTC, clamping to the month end', () => {
    expect(addMonths(new Date('2024-01-31T00:00:00Z'), 1).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(addMonths(new Date('2026-03-15T12:30:00Z'), 10).toISOString()).toBe('2027-01-15T12:30:00.000Z');
    expect(addMonths(new Date('2026-12-31T23:59:59.999Z'), 2).toISOString()).toBe('2027-02-28T23:59:59.999Z');
  });
});

describe('product rates', () => {
  it('canonicalises each rate in its own type', () => {
    expect(
      parseProductRates(
        [
          { productId: 'pro', type: 'PERCENT_OF_SALE', amount: '20.50' },
          { productId: 'mug', type: 'FLAT_RATE', amount: 2 },
        ],
        'USD',
      ),
    ).toEqual([
      { productId: 'pro', type: 'PERCENT_OF_SALE', amount: '20.5' },
      { productId: 'mug', type: 'FLAT_RATE', amount: '2.00' },
    ]);
    expect(parseProductRates([], 'USD')).toEqual([]);
  });

  it.each([
    ['a rate over 100 %', [{ productId: 'p', type: 'PERCENT_OF_SALE', amount: '100.5' }], 'invalid_rate', 'productRates.0.amount'],
    ['a zero rate', [{ productId: 'p', type: 'PERCENT_OF_SALE', amount: '0' }], 'invalid_rate', 'productRates.0.amount'],
    ['a flat amount with too many decimals', [{ productId: 'p', type: 'FLAT_RATE', amount: '1.001' }], 'invalid_amount', 'productRates.0.amount'],
    ['an unknown type', [{ productId: 'p', type: 'PERCENT', amount: '5' }], 'invalid_commission_type', 'productRates.0.type'],
    ['an empty product id', [{ productId: ' ', type: 'FLAT_RATE', amount: '5' }], 'invalid_product_id', 'productRates.0.productId'],
    ['a product id over 128 characters', [{ productId: 'x'.repeat(129), type: 'FLAT_RATE', amount: '5' }], 'invalid_product_id', 'productRates.0.productId'],
    ['an entry that is not an object', [null], 'invalid_product_rates', 'productRates.0'],
    ['a value that is not a list', { productId: 'p' }, 'invalid_product_rates', 'productRates'],
    [
      'a duplicate product id',
      [
        { productId: 'p', type: 'FLAT_RATE', amount: '5' },
        { productId: 'p', type: 'PERCENT_OF_SALE', amount: '5' },
      ],
      'duplicate_product_rate',
      'productRates',
    ],
  ])('refuses %s', (_what, input, code, field) => {
    expect(refusal(() => parseProductRates(input, 'USD'))).toEqual({ code, kind: 'validation', field });
  });

  it('refuses more than 500 rates', () => {
    const rates = Array.from({ length: 501 }, (_, i) => ({ productId: `p${i}`, type: 'FLAT_RATE', amount: '1' }));
    expect(refusal(() => parseProductRates(rates, 'USD'))).toEqual({ code: 'invalid_product_rates', kind: 'validation', field: 'productRates' });
  });
});
