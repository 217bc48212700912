import { describe, expect, it } from '@jest/globals';
import { DomainError } from '@partner-ledger/domain';
import { matchesFilter, parseFilter } from './endpoint-filter.js';
import { topicEntry } from './topic-schemas.js';

const conversion = (changes: Record<string, unknown> = {}) => ({ ...(topicEntry('NEW_CONVERSION').example as Record<string, unknown>), ...changes });

describe('endpoint filters', () => {
  it('matches on fields, dot paths and $in, as the issue example reads', async () => {
    const filter = (await parseFilter({ currency: 'EUR', order_id: { $in: ['A-1', 'A-2'] } }))!;
    expect(await matchesFilter(filter, conversion({ order_id: 'A-1' }))).toBe(true);
    expect(await matchesFilter(filter, conversion({ order_id: 'A-3' }))).toBe(false);
    expect(await matchesFilter(filter, conversion({ order_id: 'A-2', currency: 'USD' }))).toBe(false);
    expect(await matchesFilter({ 'affiliate.code': 'K7M2Q9TX' }, conversion())).toBe(true);
    expect(await matchesFilter(null, conversion())).toBe(true);
  });

  it('compares amounts as the body writes them (strings), or as numbers through $expr and $toDecimal', async () => {
    // Text: "120.00" is not "120".
    expect(await matchesFilter({ total: '120.00' }, conversion())).toBe(true);
    expect(await matchesFilter({ total: '120' }, conversion())).toBe(false);
    // A range on the string would compare text ("99.00" > "120.00"); the number is what counts.
    const atLeast100 = (await parseFilter({ $expr: { $gte: [{ $toDecimal: '$total' }, 100] } }))!;
    expect(await matchesFilter(atLeast100, conversion({ total: '120.00' }))).toBe(true);
    expect(await matchesFilter(atLeast100, conversion({ total: '99.99' }))).toBe(false);
    expect(await matchesFilter(atLeast100, conversion({ total: '1000.00' }))).toBe(true);
  });

  it('refuses what is not a query object, unknown or malformed operators, and code, naming the field', async () => {
    const bad: unknown[] = [
      'EUR',
      42,
      [],
      [{ currency: 'EUR' }],
      { $foo: 1 },
      { total: { $bogus: 1 } },
      { $or: 3 },
      { total: { $regex: '(' } },
      { $where: 'true' },
      { $expr: { $function: { body: 'x', args: [], lang: 'js' } } },
      { a: 'x'.repeat(9000) },
    ];
    for (const filter of bad) {
      let error: unknown;
      try {
        await parseFilter(filter);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ kind: 'validation', code: 'invalid_filter', field: 'filter' });
    }
    await expect(parseFilter({ $foo: 1 })).rejects.toThrow('unknown top level operator: $foo');
    await expect(parseFilter({ $where: 'true' })).rejects.toThrow('$where is not allowed');
    expect(await parseFilter(null)).toBeNull();
  });
});
