import { describe, expect, it } from '@jest/globals';
import { DeciderSpecification } from '../testing/decider-specification.js';
import { commissionFor, maxLevel, parseCommissionPlan } from './commission-plan.js';
import { type CreateProgram, type ProgramCreated, programDecider, programStream } from './program.js';

const spec = DeciderSpecification.for(programDecider);

const create = (overrides: Partial<CreateProgram> = {}): CreateProgram => ({
  type: 'CreateProgram',
  programId: 'prg_1',
  name: 'Acme',
  currency: 'USD',
  commission: { type: 'PERCENT_OF_SALE', amount: '10' },
  apiKeyHash: 'hash',
  ...overrides,
});

const created = (overrides: Partial<ProgramCreated['data']> = {}): ProgramCreated => ({
  type: 'ProgramCreated',
  data: {
    programId: 'prg_1',
    name: 'Acme',
    currency: 'USD',
    apiKeyHash: 'hash',
    commission: { type: 'PERCENT_OF_SALE', amount: '10' },
    tiers: [],
    ...overrides,
  },
});

describe('program stream', () => {
  it('is category-prefixed', () => expect(programStream('prg_1')).toBe('program-prg_1'));
});

describe('CreateProgram', () => {
  it('creates a PERCENT_OF_SALE program with a canonical plan and a trimmed name', () => {
    spec
      .given([])
      .when(create({ name: '  Acme  ', commission: { type: 'PERCENT_OF_SALE', amount: 10 } }))
      .then([created()]);
  });

  it('canonicalises the rate: "12.50" → "12.5"', () => {
    spec
      .given([])
      .when(create({ commission: { type: 'PERCENT_OF_SALE', amount: '12.50' } }))
      .then([created({ commission: { type: 'PERCENT_OF_SALE', amount: '12.5' } })]);
  });

  it('creates a FLAT_RATE program; the amount is money in the program currency', () => {
    spec
      .given([])
      .when(create({ commission: { type: 'FLAT_RATE', amount: '5' }, tiers: [{ level: 2, amount: 2.5 }] }))
      .then([created({ commission: { type: 'FLAT_RATE', amount: '5.00' }, tiers: [{ level: 2, amount: '2.50' }] })]);
    spec
      .given([])
      .when(create({ currency: 'JPY', commission: { type: 'FLAT_RATE', amount: '500' } }))
      .then([created({ currency: 'JPY', commission: { type: 'FLAT_RATE', amount: '500' } })]);
    spec
      .given([])
      .when(create({ currency: 'BHD', commission: { type: 'FLAT_RATE', amount: '1.5' } }))
      .then([created({ currency: 'BHD', commission: { type: 'FLAT_RATE', amount: '1.500' } })]);
  });

  it('accepts tiers 2..10 and sorts them by level', () => {
    spec
      .given([])
      .when(
        create({
          tiers: [
            { level: 10, amount: '0.5' },
            { level: 3, amount: '2' },
            { level: 2, amount: '5.50' },
          ],
        }),
      )
      .then([
        created({
          tiers: [
            { level: 2, amount: '5.5' },
            { level: 3, amount: '2' },
            { level: 10, amount: '0.5' },
          ],
        }),
      ]);
  });

  it('accepts rates from 0.0001 to 100', () => {
    spec
      .given([])
      .when(create({ commission: { type: 'PERCENT_OF_SALE', amount: '100' } }))
      .then([created({ commission: { type: 'PERCENT_OF_SALE', amount: '100' } })]);
    spec
      .given([])
      .when(create({ commission: { type: 'PERCENT_OF_SALE', amount: '0.0001' } }))
      .then([created({ commission: { type: 'PERCENT_OF_SALE', amount: '0.0001' } })]);
  });

  it('refuses a program that exists', () => {
    spec.given([created()]).when(create()).thenThrows('program_exists', 'conflict');
  });

  it.each([[undefined], [''], ['  ']])('refuses name %p', (name) => {
    spec.given([]).when(create({ name })).thenThrows('invalid_name', 'validation', 'name');
  });

  it('refuses a name over 200 characters', () => {
    spec
      .given([])
      .when(create({ name: 'x'.repeat(201) }))
      .thenThrows('too_long', 'validation', 'name');
  });

  it.each([['XYZ'], ['usd'], [undefined]])('refuses currency %p', (currency) => {
    spec.given([]).when(create({ currency })).thenThrows('unknown_currency', 'validation', 'currency');
  });

  it.each([[undefined], [null], ['10']])('refuses a missing commission (%p)', (commission) => {
    spec
      .given([])
      .when(create({ commission: commission as unknown as CreateProgram['commission'] }))
      .thenThrows('validation_failed', 'validation', 'commission');
  });

  it.each([['PERCENT'], ['percent_of_sale'], [undefined]])('refuses commission type %p', (type) => {
    spec
      .given([])
      .when(create({ commission: { type, amount: '10' } }))
      .thenThrows('invalid_commission_type', 'validation', 'commission.type');
  });

  it.each([['0'], [0], ['100.0001'], ['101'], ['-1'], ['ten'], [undefined], ['10.12345']])('refuses percent rate %p', (amount) => {
    spec
      .given([])
      .when(create({ commission: { type: 'PERCENT_OF_SALE', amount } }))
      .thenThrows('invalid_rate', 'validation', 'commission.amount');
  });

  it.each([
    ['0', 'USD'],
    ['-5', 'USD'],
    ['5.001', 'USD'],
    ['5.5', 'JPY'],
    ['abc', 'USD'],
    ['1000000000000.01', 'USD'],
  ])('refuses flat amount %p %s', (amount, currency) => {
    spec
      .given([])
      .when(create({ currency, commission: { type: 'FLAT_RATE', amount } }))
      .thenThrows('invalid_amount', 'validation', 'commission.amount');
  });

  it('refuses a bad tier rate, naming the tier', () => {
    spec
      .given([])
      .when(
        create({
          tiers: [
            { level: 2, amount: '5' },
            { level: 3, amount: '150' },
          ],
        }),
      )
      .thenThrows('invalid_rate', 'validation', 'tiers.1.amount');
    spec
      .given([])
      .when(create({ commission: { type: 'FLAT_RATE', amount: '5' }, tiers: [{ level: 2, amount: '0' }] }))
      .thenThrows('invalid_amount', 'validation', 'tiers.0.amount');
  });

  it.each([[1], [0], [11], [-2], [2.5], ['2'], [undefined]])('refuses tier level %p (level 1 is the commission itself; max 10)', (level) => {
    spec
      .given([])
      .when(create({ tiers: [{ level, amount: '5' }] }))
      .thenThrows('invalid_tier_level', 'validation', 'tiers.0.level');
  });

  it('refuses a duplicate tier level', () => {
    spec
      .given([])
      .when(
        create({
          tiers: [
            { level: 2, amount: '5' },
            { level: 2, amount: '3' },
          ],
        }),
      )
      .thenThrows('duplicate_tier_level', 'validation', 'tiers');
  });

  it('refuses tiers that are not a list of objects, without relying on the HTTP layer', () => {
    spec
      .given([])
      .when(create({ tiers: 'x' as never }))
      .thenThrows('invalid_tiers', 'validation', 'tiers');
    spec
      .given([])
      .when(create({ tiers: [null] as never }))
      .thenThrows('invalid_tiers', 'validation', 'tiers.0');
  });
});

describe('commission plan', () => {
  const percent = parseCommissionPlan({ commission: { type: 'PERCENT_OF_SALE', amount: '10' }, tiers: [{ level: 3, amount: '2.5' }] }, 'USD');
  const flat = parseCommissionPlan({ commission: { type: 'FLAT_RATE', amount: '5' }, tiers: [{ level: 2, amount: '1.25' }] }, 'USD');

  it('computes each level exactly; a level without a tier earns 0', () => {
    expect(commissionFor(percent, 1, 14999, 'USD')).toBe(1500);
    expect(commissionFor(percent, 2, 14999, 'USD')).toBe(0);
    expect(commissionFor(percent, 3, 14999, 'USD')).toBe(375); // 374.975 → 375
    expect(commissionFor(flat, 1, 14999, 'USD')).toBe(500);
    expect(commissionFor(flat, 2, 1, 'USD')).toBe(125); // flat: independent of the sale
  });

  it('knows the deepest level', () => {
    expect(maxLevel(percent)).toBe(3);
    expect(maxLevel(flat)).toBe(2);
    expect(maxLevel({ commission: percent.commission, tiers: [] })).toBe(1);
  });
});
