import { describe, expect, it } from '@jest/globals';
import { DeciderSpecification } from '../testing/decider-specification.js';
import { type ChangeCommissionPlan, type CommissionPlanChanged, type CreateProgram, type ProgramCreated, programDecider, type ProgramState, planAt } from './program.js';

const spec = DeciderSpecification.for(programDecider);
const NOW = new Date('2026-06-01T12:00:00.000Z');

const create = (overrides: Partial<CreateProgram> = {}): CreateProgram => ({
  type: 'CreateProgram',
  programId: 'prg_1',
  name: 'Acme',
  currency: 'USD',
  commission: { type: 'PERCENT_OF_SALE', amount: '10' },
  apiKeyHash: 'hash',
  ...overrides,
});

/** A ProgramCreated as recorded before durations, product rates and approval existed. */
const created: ProgramCreated = {
  type: 'ProgramCreated',
  data: { programId: 'prg_1', name: 'Acme', currency: 'USD', apiKeyHash: 'hash', commission: { type: 'PERCENT_OF_SALE', amount: '10' }, tiers: [] },
};

const change = (overrides: Partial<ChangeCommissionPlan> = {}): ChangeCommissionPlan => ({
  type: 'ChangeCommissionPlan',
  programId: 'prg_1',
  commission: { type: 'PERCENT_OF_SALE', amount: '20' },
  now: NOW,
  ...overrides,
});

const changed = (overrides: Partial<CommissionPlanChanged['data']> = {}): CommissionPlanChanged => ({
  type: 'CommissionPlanChanged',
  data: {
    programId: 'prg_1',
    effectiveFrom: NOW.toISOString(),
    commission: { type: 'PERCENT_OF_SALE', amount: '20', duration: { type: 'LIFETIME' } },
    tiers: [],
    productRates: [],
    approval: { mode: 'MANUAL', holdDays: 0 },
    ...overrides,
  },
});

const fold = (events: (ProgramCreated | CommissionPlanChanged)[]) => {
  const state = events.reduce(programDecider.evolve, programDecider.initialState() as ProgramState);
  if (!state.exists) throw new Error('no program');
  return state;
};

describe('CreateProgram with commission rules and approval', () => {
  it('records duration, product rates and approval when sent', () => {
    spec
      .given([])
      .when(
        create({
          commission: { type: 'PERCENT_OF_SALE', amount: '10', duration: { type: 'MONTHS', count: 12 } },
          productRates: [{ productId: 'pro', type: 'FLAT_RATE', amount: '25' }],
          approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 30 },
        }),
      )
      .then([
        {
          type: 'ProgramCreated',
          data: {
            ...created.data,
            commission: { type: 'PERCENT_OF_SALE', amount: '10', duration: { type: 'MONTHS', count: 12 } },
            productRates: [{ productId: 'pro', type: 'FLAT_RATE', amount: '25.00' }],
            approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 30 },
          },
        },
      ]);
  });

  it('MANUAL approval may leave out holdDays (0)', () => {
    spec
      .given([])
      .when(create({ approval: { mode: 'MANUAL' } }))
      .then([{ type: 'ProgramCreated', data: { ...created.data, approval: { mode: 'MANUAL', holdDays: 0 } } }]);
  });

  it.each([
    ['an unknown duration', { commission: { type: 'PERCENT_OF_SALE', amount: '10', duration: { type: 'WEEKS', count: 2 } } }, 'invalid_duration_type', 'commission.duration.type'],
    ['MONTHS without a count', { commission: { type: 'PERCENT_OF_SALE', amount: '10', duration: { type: 'MONTHS' } } }, 'invalid_duration_count', 'commission.duration.count'],
    ['a product rate over 100 %', { productRates: [{ productId: 'p', type: 'PERCENT_OF_SALE', amount: '150' }] }, 'invalid_rate', 'productRates.0.amount'],
    [
      'a duplicate product',
      {
        productRates: [
          { productId: 'p', type: 'FLAT_RATE', amount: '1' },
          { productId: 'p', type: 'FLAT_RATE', amount: '2' },
        ],
      },
      'duplicate_product_rate',
      'productRates',
    ],
    ['an unknown approval mode', { approval: { mode: 'AUTO', holdDays: 3 } }, 'invalid_approval_mode', 'approval.mode'],
    ['negative hold days', { approval: { mode: 'AUTO_AFTER_HOLD', holdDays: -1 } }, 'invalid_hold_days', 'approval.holdDays'],
    ['absurd hold days', { approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 366 } }, 'invalid_hold_days', 'approval.holdDays'],
    ['fractional hold days', { approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 1.5 } }, 'invalid_hold_days', 'approval.holdDays'],
    ['AUTO_AFTER_HOLD without hold days', { approval: { mode: 'AUTO_AFTER_HOLD' } }, 'invalid_hold_days', 'approval.holdDays'],
    ['approval that is not an object', { approval: 'MANUAL' }, 'invalid_approval', 'approval'],
  ])('refuses %s', (_what, overrides, code, field) => {
    spec
      .given([])
      .when(create(overrides as Partial<CreateProgram>))
      .thenThrows(code, 'validation', field);
  });

  it('folds a ProgramCreated of before: LIFETIME, no product rates, MANUAL approval, from the start', () => {
    expect(fold([created]).plans).toEqual([
      {
        effectiveFrom: null,
        commission: { type: 'PERCENT_OF_SALE', amount: '10', duration: { type: 'LIFETIME' } },
        tiers: [],
        productRates: [],
        approval: { mode: 'MANUAL', holdDays: 0 },
      },
    ]);
  });
});

describe('ChangeCommissionPlan', () => {
  it('records the complete plan, effective now by default', () => {
    spec.given([created]).when(change()).then([changed()]);
  });

  it('records a future effective time, durations, tiers, product rates and approval', () => {
    spec
      .given([created])
      .when(
        change({
          commission: { type: 'FLAT_RATE', amount: '5', duration: { type: 'PAYMENTS', count: 3 } },
          tiers: [{ level: 2, amount: '1' }],
          productRates: [{ productId: 'pro', type: 'PERCENT_OF_SALE', amount: '30' }],
          approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 14 },
          effectiveFrom: '2026-07-01T00:00:00Z',
        }),
      )
      .then([
        changed({
          effectiveFrom: '2026-07-01T00:00:00.000Z',
          commission: { type: 'FLAT_RATE', amount: '5.00', duration: { type: 'PAYMENTS', count: 3 } },
          tiers: [{ level: 2, amount: '1.00' }],
          productRates: [{ productId: 'pro', type: 'PERCENT_OF_SALE', amount: '30' }],
          approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 14 },
        }),
      ]);
  });

  it('keeps the approval settings of the latest plan when approval is left out', () => {
    const auto = { ...created, data: { ...created.data, approval: { mode: 'AUTO_AFTER_HOLD' as const, holdDays: 7 } } };
    spec
      .given([auto])
      .when(change())
      .then([changed({ approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 7 } })]);
  });

  it('takes effect now when sent up to 5 minutes late', () => {
    spec
      .given([created])
      .when(change({ effectiveFrom: '2026-06-01T11:56:00Z' }))
      .then([changed()]);
  });

  it('refuses an effective time further in the past: sales since then keep their plan', () => {
    spec
      .given([created])
      .when(change({ effectiveFrom: '2026-06-01T11:54:59Z' }))
      .thenThrows('effective_from_in_past', 'unprocessable', 'effectiveFrom');
  });

  it.each([['tomorrow'], ['2026-13-01T00:00:00Z'], ['2026-07-01'], [1780000000000]])('refuses effectiveFrom %p', (effectiveFrom) => {
    spec.given([created]).when(change({ effectiveFrom })).thenThrows('invalid_effective_from', 'validation', 'effectiveFrom');
  });

  it('refuses a plan for a program that does not exist', () => {
    spec.given([]).when(change()).thenThrows('program_not_found', 'not_found');
  });

  it('refuses a missing commission and each bad part, like creation', () => {
    spec
      .given([created])
      .when(change({ commission: undefined as never }))
      .thenThrows('validation_failed', 'validation', 'commission');
    spec
      .given([created])
      .when(change({ commission: { type: 'PERCENT_OF_SALE', amount: '101' } }))
      .thenThrows('invalid_rate', 'validation', 'commission.amount');
    spec
      .given([created])
      .when(change({ commission: { type: 'PERCENT_OF_SALE', amount: '10', duration: { type: 'PAYMENTS', count: 0 } } }))
      .thenThrows('invalid_duration_count', 'validation', 'commission.duration.count');
    spec
      .given([created])
      .when(change({ approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 400 } }))
      .thenThrows('invalid_hold_days', 'validation', 'approval.holdDays');
  });
});

describe('a plan change applies only from its effective time', () => {
  const july = changed({ effectiveFrom: '2026-07-01T00:00:00.000Z' });
  const august = changed({ effectiveFrom: '2026-08-01T00:00:00.000Z', commission: { type: 'FLAT_RATE', amount: '3.00', duration: { type: 'ONE_TIME' } } });

  it('prices a sale before the change under the plan before it', () => {
    const program = fold([created, july]);
    expect(planAt(program, new Date('2026-06-30T23:59:59.999Z')).commission.amount).toBe('10');
    expect(planAt(program, new Date('2026-07-01T00:00:00.000Z')).commission.amount).toBe('20');
  });

  it('keeps plans in effective order whatever order they were recorded in', () => {
    const program = fold([created, august, july]);
    expect(program.plans.map((p) => p.effectiveFrom)).toEqual([null, '2026-07-01T00:00:00.000Z', '2026-08-01T00:00:00.000Z']);
    expect(planAt(program, new Date('2026-07-15T00:00:00Z')).commission).toEqual({ type: 'PERCENT_OF_SALE', amount: '20', duration: { type: 'LIFETIME' } });
    expect(planAt(program, new Date('2026-08-15T00:00:00Z')).commission).toEqual({ type: 'FLAT_RATE', amount: '3.00', duration: { type: 'ONE_TIME' } });
  });

  it('of two changes with one effective time, the later recorded wins', () => {
    const again = changed({ effectiveFrom: july.data.effectiveFrom, commission: { type: 'PERCENT_OF_SALE', amount: '15', duration: { type: 'LIFETIME' } } });
    expect(planAt(fold([created, july, again]), new Date('2026-07-02T00:00:00Z')).commission.amount).toBe('15');
  });
});
