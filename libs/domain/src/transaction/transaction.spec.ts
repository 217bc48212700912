import { describe, expect, it } from '@jest/globals';
import { formatAmount } from '../money/money.js';
import type { PartnerSnapshot, PartnerStatus } from '../partner/partner.js';
import type { CommissionLine } from '../program/commission-plan.js';
import { DeciderSpecification } from '../testing/decider-specification.js';
import { seeded } from '@partner-ledger/testing';
import { type Attribution, conversionIdFor } from './attribution.js';
import {
  type CommissionTrace,
  type ConversionApproved,
  type ConversionCreated,
  type ConversionDenied,
  type CreateTransaction,
  type TransactionCommand,
  transactionDecider,
  type TransactionEvent,
  type TransactionRecorded,
  type TransactionRefunded,
  type TransactionState,
  transactionStream,
} from './transaction.js';
import { netCommissions } from './reversals.js';

const spec = DeciderSpecification.for(transactionDecider);

type Program = CreateTransaction['program'];
const PERCENT_10: Program = { currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' }, tiers: [] };
const TIERED: Program = {
  currency: 'USD',
  commission: { type: 'PERCENT_OF_SALE', amount: '10' },
  tiers: [
    { level: 2, amount: '5' },
    { level: 3, amount: '2.5' },
  ],
};
const FLAT: Program = { currency: 'USD', commission: { type: 'FLAT_RATE', amount: '5.00' }, tiers: [{ level: 2, amount: '2.50' }] };

const CV = conversionIdFor('T-1');
const snap = (partnerId: string, status: PartnerStatus = 'ACTIVE'): PartnerSnapshot => ({ partnerId, status, referringPartnerId: null });
const byCustomer = (partner: PartnerSnapshot = snap('par_1')): Attribution => ({ source: 'customer', partner });

const create = (overrides: Partial<CreateTransaction> = {}): CreateTransaction => ({
  type: 'CreateTransaction',
  programId: 'prg_1',
  transactionKey: 'T-1',
  amount: '149.99',
  requestHash: 'h1',
  program: PERCENT_10,
  customerId: 'cus_1',
  attribution: byCustomer(),
  chain: [],
  ...overrides,
});

const recorded = (overrides: Partial<TransactionRecorded['data']> = {}): TransactionRecorded => ({
  type: 'TransactionRecorded',
  data: {
    programId: 'prg_1',
    transactionKey: 'T-1',
    amountMinor: 14999,
    currency: 'USD',
    customerId: 'cus_1',
    productId: null,
    productType: null,
    couponCode: null,
    requestHash: 'h1',
    attribution: { source: 'customer', partnerId: 'par_1', triggerId: null },
    unattributedReason: null,
    ...overrides,
  },
});

const line = (partnerId: string, level: number, amountMinor: number): CommissionLine => ({ partnerId, level, amountMinor });

const conversionCreated = (commissions: CommissionLine[], trace: CommissionTrace, overrides: Partial<ConversionCreated['data']> = {}): ConversionCreated => ({
  type: 'ConversionCreated',
  data: {
    programId: 'prg_1',
    conversionId: CV,
    transactionKey: 'T-1',
    partnerId: 'par_1',
    customerId: 'cus_1',
    amountMinor: 14999,
    currency: 'USD',
    status: 'PENDING',
    commissions,
    trace,
    ...overrides,
  },
});

/** The usual history: 149.99 USD attributed to par_1 at 10% → 15.00. */
const sale = [recorded(), conversionCreated([line('par_1', 1, 1500)], { rule: 'PERCENT_OF_SALE', base: 14999, levels: [{ level: 1, partnerId: 'par_1', rate: '10', amountMinor: 1500 }] })];

const approve: TransactionCommand = { type: 'ApproveConversion' };
const deny = (reason?: unknown): TransactionCommand => ({ type: 'DenyConversion', reason });
const refund = (amount?: unknown, refundId = 'ref_1'): TransactionCommand => ({ type: 'RefundTransaction', refundId, amount });

const approved = (commissions: CommissionLine[]): ConversionApproved => ({
  type: 'ConversionApproved',
  data: { programId: 'prg_1', conversionId: CV, transactionKey: 'T-1', partnerId: 'par_1', currency: 'USD', commissions },
});
const denied = (commissions: CommissionLine[], reason: string | null = null): ConversionDenied => ({
  type: 'ConversionDenied',
  data: { programId: 'prg_1', conversionId: CV, transactionKey: 'T-1', partnerId: 'par_1', currency: 'USD', reason, commissions },
});
const refunded = (overrides: Partial<TransactionRefunded['data']>): TransactionRefunded => ({
  type: 'TransactionRefunded',
  data: {
    programId: 'prg_1',
    transactionKey: 'T-1',
    refundId: 'ref_1',
    amountMinor: 14999,
    refundedTotalMinor: 14999,
    fullyRefunded: true,
    currency: 'USD',
    conversionId: CV,
    conversionStatus: 'PENDING',
    reversals: [],
    ...overrides,
  },
});

describe('transaction stream', () => {
  it('is category-prefixed and keyed by the transaction key', () => expect(transactionStream('prg_1', 'T-1')).toBe('transaction-prg_1.T-1'));
});

describe('CreateTransaction', () => {
  it('records the sale and a PENDING conversion: 10% of 149.99 is 15.00', () => {
    const { events, state } = spec.given([]).when(create()).then(sale);
    const commission = (events[1] as ConversionCreated).data.commissions[0].amountMinor;
    expect(commission).toBe(1500);
    expect(formatAmount(commission, 'USD')).toBe('15.00');
    expect(state).toMatchObject({ exists: true, refundedMinor: 0, conversion: { status: 'PENDING', reversed: [0] } });
  });

  it('takes the amount as a JSON number too', () => {
    spec
      .given([])
      .when(create({ amount: 149.99 }))
      .then(sale);
  });

  it('records product, coupon and the trigger that attributed the sale', () => {
    spec
      .given([])
      .when(
        create({
          productId: ' SKU-1 ',
          productType: 'book',
          couponCode: 'SUMMER10',
          currency: 'USD',
          attribution: { source: 'coupon', partner: snap('par_1'), triggerId: 'trg_1' },
        }),
      )
      .then((events) => {
        expect(events.map((e) => e.type)).toEqual(['TransactionRecorded', 'ConversionCreated']);
        expect(events[0]).toEqual(recorded({ productId: 'SKU-1', productType: 'book', couponCode: 'SUMMER10', attribution: { source: 'coupon', partnerId: 'par_1', triggerId: 'trg_1' } }));
      });
  });

  it('rounds half away from zero through the decider', () => {
    const at = (amount: string, rate: string) =>
      spec
        .given([])
        .when(create({ amount, program: { ...PERCENT_10, commission: { type: 'PERCENT_OF_SALE', amount: rate } } }))
        .then((events) => expect(events).toHaveLength(2)).events[1] as ConversionCreated;
    expect(at('0.04', '12.5').data.commissions).toEqual([line('par_1', 1, 1)]); // 0.005 → 0.01
    expect(at('0.04', '10').data.commissions).toEqual([line('par_1', 1, 0)]); // 0.004 → 0.00
  });

  it('uses the program currency digits (JPY: 0 decimals)', () => {
    const jpy: Program = { ...PERCENT_10, currency: 'JPY' };
    spec
      .given([])
      .when(create({ amount: '1005', program: jpy }))
      .then((events) => {
        expect((events[0] as TransactionRecorded).data).toMatchObject({ amountMinor: 1005, currency: 'JPY' });
        expect((events[1] as ConversionCreated).data.commissions).toEqual([line('par_1', 1, 101)]); // 100.5 → 101
      });
    spec
      .given([])
      .when(create({ amount: '100.5', program: jpy }))
      .thenThrows('invalid_amount', 'validation', 'amount');
  });

  it('records an unattributed sale with no conversion', () => {
    spec
      .given([])
      .when(create({ attribution: null }))
      .then([recorded({ attribution: null })]);
  });

  it.each<PartnerStatus>(['PENDING', 'DISABLED', 'DENIED'])('gives a %s partner nothing: recorded as partner_not_active, no conversion', (status) => {
    spec
      .given([])
      .when(create({ attribution: byCustomer(snap('par_1', status)), program: TIERED, chain: [snap('par_2'), snap('par_3')] }))
      .then([recorded({ unattributedReason: 'partner_not_active' })]);
  });

  describe('multi-tier', () => {
    it('pays the chain: chain[0] at level 2, chain[1] at level 3', () => {
      spec
        .given([])
        .when(create({ program: TIERED, chain: [snap('par_2'), snap('par_3')] }))
        .then([
          recorded(),
          conversionCreated([line('par_1', 1, 1500), line('par_2', 2, 750), line('par_3', 3, 375)], {
            rule: 'PERCENT_OF_SALE',
            base: 14999,
            levels: [
              { level: 1, partnerId: 'par_1', rate: '10', amountMinor: 1500 },
              { level: 2, partnerId: 'par_2', rate: '5', amountMinor: 750 }, // 749.95 → 750
              { level: 3, partnerId: 'par_3', rate: '2.5', amountMinor: 375 }, // 374.975 → 375
            ],
          }),
        ]);
    });

    it.each<PartnerStatus>(['PENDING', 'DISABLED', 'DENIED'])('a %s upline forfeits its level; the others are still paid, no compression', (status) => {
      spec
        .given([])
        .when(create({ program: TIERED, chain: [snap('par_2', status), snap('par_3')] }))
        .then([
          recorded(),
          conversionCreated([line('par_1', 1, 1500), line('par_3', 3, 375)], {
            rule: 'PERCENT_OF_SALE',
            base: 14999,
            levels: [
              { level: 1, partnerId: 'par_1', rate: '10', amountMinor: 1500 },
              { level: 2, partnerId: 'par_2', rate: '5', amountMinor: 0, skipped: 'partner_not_active' },
              { level: 3, partnerId: 'par_3', rate: '2.5', amountMinor: 375 },
            ],
          }),
        ]);
    });

    it('a short chain pays only the levels that exist', () => {
      spec
        .given([])
        .when(create({ program: TIERED, chain: [snap('par_2')] }))
        .then([
          recorded(),
          conversionCreated([line('par_1', 1, 1500), line('par_2', 2, 750)], {
            rule: 'PERCENT_OF_SALE',
            base: 14999,
            levels: [
              { level: 1, partnerId: 'par_1', rate: '10', amountMinor: 1500 },
              { level: 2, partnerId: 'par_2', rate: '5', amountMinor: 750 },
              { level: 3, partnerId: null, rate: '2.5', amountMinor: 0, skipped: 'no_partner' },
            ],
          }),
        ]);
    });

    it('a tier gap skips the level without a tier: tier 3 still pays chain[1]', () => {
      const program: Program = { ...PERCENT_10, tiers: [{ level: 3, amount: '2' }] };
      spec
        .given([])
        .when(create({ program, chain: [snap('par_2'), snap('par_3'), snap('par_4')] }))
        .then((events) => {
          expect((events[1] as ConversionCreated).data.commissions).toEqual([line('par_1', 1, 1500), line('par_3', 3, 300)]);
          expect((events[1] as ConversionCreated).data.trace.levels.map((l) => l.level)).toEqual([1, 3]);
        });
    });

    it('referrers beyond the deepest tier earn nothing', () => {
      spec
        .given([])
        .when(create({ program: { ...PERCENT_10, tiers: [{ level: 2, amount: '5' }] }, chain: [snap('par_2'), snap('par_3')] }))
        .then((events) => expect((events[1] as ConversionCreated).data.commissions).toEqual([line('par_1', 1, 1500), line('par_2', 2, 750)]));
    });

    it('FLAT_RATE pays the flat amount per level, whatever the sale', () => {
      spec
        .given([])
        .when(create({ amount: '1.00', program: FLAT, chain: [snap('par_2')] }))
        .then([
          recorded({ amountMinor: 100 }),
          conversionCreated(
            [line('par_1', 1, 500), line('par_2', 2, 250)],
            {
              rule: 'FLAT_RATE',
              base: 100,
              levels: [
                { level: 1, partnerId: 'par_1', rate: '5.00', amountMinor: 500 },
                { level: 2, partnerId: 'par_2', rate: '2.50', amountMinor: 250 },
              ],
            },
            { amountMinor: 100 },
          ),
        ]);
    });
  });

  describe('idempotency', () => {
    it('a replay with the same request hash emits nothing', () => {
      spec.given(sale).when(create()).thenNothing();
      spec
        .given([recorded({ attribution: null })])
        .when(create({ attribution: null }))
        .thenNothing();
      // the original stands even if the replay would now be judged differently
      spec
        .given(sale)
        .when(create({ attribution: null, amount: '1.00' }))
        .thenNothing();
    });

    it('a reused key with a different body is a conflict', () => {
      spec
        .given(sale)
        .when(create({ requestHash: 'h2' }))
        .thenThrows('transaction_key_reused', 'conflict', 'key');
    });
  });

  it('refuses a currency other than the program’s', () => {
    spec
      .given([])
      .when(create({ currency: 'EUR' }))
      .thenThrows('currency_mismatch', 'unprocessable', 'currency');
    spec
      .given([])
      .when(create({ currency: 'XYZ' }))
      .thenThrows('unknown_currency', 'validation', 'currency');
    spec
      .given([])
      .when(create({ currency: 'usd' }))
      .thenThrows('unknown_currency', 'validation', 'currency');
  });

  it.each([['-1'], ['0'], [0], ['abc'], ['149.999'], ['1e5'], [Number.NaN], ['1000000000000.01'], [undefined]])('refuses amount %p', (amount) => {
    spec.given([]).when(create({ amount })).thenThrows('invalid_amount', 'validation', 'amount');
  });

  it('refuses a bad key or over-long optional fields', () => {
    spec
      .given([])
      .when(create({ transactionKey: 'a b' }))
      .thenThrows('invalid_key', 'validation', 'key');
    spec
      .given([])
      .when(create({ productId: 'x'.repeat(129) }))
      .thenThrows('too_long', 'validation', 'productId');
    spec
      .given([])
      .when(create({ productType: 'x'.repeat(65) }))
      .thenThrows('too_long', 'validation', 'productType');
    spec
      .given([])
      .when(create({ couponCode: 'x'.repeat(129) }))
      .thenThrows('too_long', 'validation', 'couponCode');
    spec
      .given([])
      .when(create({ couponCode: 10 }))
      .thenThrows('invalid_text', 'validation', 'couponCode');
  });
});

describe('ApproveConversion', () => {
  it('approves a PENDING conversion with its commissions', () => {
    const { state } = spec
      .given(sale)
      .when(approve)
      .then([approved([line('par_1', 1, 1500)])]);
    expect(state).toMatchObject({ conversion: { status: 'APPROVED' } });
  });

  it('is a no-op when already approved', () => {
    spec
      .given([...sale, approved([line('par_1', 1, 1500)])])
      .when(approve)
      .thenNothing();
  });

  it('refuses a DENIED conversion', () => {
    spec
      .given([...sale, denied([line('par_1', 1, 1500)])])
      .when(approve)
      .thenThrows('conversion_denied', 'conflict');
  });

  it('refuses a fully refunded transaction', () => {
    spec
      .given([...sale, refunded({ reversals: [line('par_1', 1, 1500)] })])
      .when(approve)
      .thenThrows('transaction_fully_refunded', 'conflict');
  });

  it('approves the net commission after a partial refund', () => {
    const partial = refunded({ amountMinor: 5000, refundedTotalMinor: 5000, fullyRefunded: false, reversals: [line('par_1', 1, 500)] });
    spec
      .given([...sale, partial])
      .when(approve)
      .then([approved([line('par_1', 1, 1000)])]);
  });

  it('refuses a transaction without a conversion, and a missing transaction', () => {
    spec
      .given([recorded({ attribution: null })])
      .when(approve)
      .thenThrows('conversion_not_found', 'not_found');
    spec
      .given([recorded({ unattributedReason: 'partner_not_active' })])
      .when(approve)
      .thenThrows('conversion_not_found', 'not_found');
    spec.given([]).when(approve).thenThrows('transaction_not_found', 'not_found');
  });
});

describe('DenyConversion', () => {
  it('denies a PENDING conversion with a reason', () => {
    const { state } = spec
      .given(sale)
      .when(deny('  fraud  '))
      .then([denied([line('par_1', 1, 1500)], 'fraud')]);
    expect(state).toMatchObject({ conversion: { status: 'DENIED' } });
    spec
      .given(sale)
      .when(deny())
      .then([denied([line('par_1', 1, 1500)], null)]);
  });

  it('is a no-op when already denied', () => {
    spec
      .given([...sale, denied([line('par_1', 1, 1500)])])
      .when(deny('again'))
      .thenNothing();
  });

  it('refuses an APPROVED conversion (refund it instead)', () => {
    spec
      .given([...sale, approved([line('par_1', 1, 1500)])])
      .when(deny())
      .thenThrows('conversion_already_approved', 'conflict');
  });

  it('denies the net commission after a partial refund', () => {
    const partial = refunded({ amountMinor: 5000, refundedTotalMinor: 5000, fullyRefunded: false, reversals: [line('par_1', 1, 500)] });
    spec
      .given([...sale, partial])
      .when(deny())
      .then([denied([line('par_1', 1, 1000)])]);
  });

  it('refuses a bad reason, a transaction without a conversion, and a missing transaction', () => {
    spec
      .given(sale)
      .when(deny('x'.repeat(501)))
      .thenThrows('too_long', 'validation', 'reason');
    spec
      .given([recorded({ attribution: null })])
      .when(deny())
      .thenThrows('conversion_not_found', 'not_found');
    spec.given([]).when(deny()).thenThrows('transaction_not_found', 'not_found');
  });
});

describe('RefundTransaction', () => {
  it('refunds everything when no amount is given, reversing the whole commission', () => {
    const { state } = spec
      .given(sale)
      .when(refund())
      .then([refunded({ reversals: [line('par_1', 1, 1500)] })]);
    expect(state).toMatchObject({ refundedMinor: 14999, conversion: { reversed: [1500] } });
    spec
      .given(sale)
      .when(refund(null))
      .then([refunded({ reversals: [line('par_1', 1, 1500)] })]);
  });

  it('refunds part, reversing commission in proportion', () => {
    spec
      .given(sale)
      .when(refund('50.00'))
      .then([refunded({ amountMinor: 5000, refundedTotalMinor: 5000, fullyRefunded: false, reversals: [line('par_1', 1, 500)] })]);
  });

  it('reverses each line exactly after uneven partial refunds (100.01 at 7.3333%, 3 parts)', () => {
    const program: Program = {
      currency: 'USD',
      commission: { type: 'PERCENT_OF_SALE', amount: '7.3333' },
      tiers: [
        { level: 2, amount: '3.1416' },
        { level: 3, amount: '0.0007' },
      ],
    };
    const { events: history } = spec
      .given([])
      .when(create({ amount: '100.01', program, chain: [snap('par_2'), snap('par_3')] }))
      .then((events) => {
        // 733.40333 → 733; 314.19142 → 314; 0.070007 → 0
        expect((events[1] as ConversionCreated).data.commissions).toEqual([line('par_1', 1, 733), line('par_2', 2, 314), line('par_3', 3, 0)]);
      });

    const first = spec
      .given(history)
      .when(refund('33.33', 'r1'))
      .then([
        refunded({
          refundId: 'r1',
          amountMinor: 3333,
          refundedTotalMinor: 3333,
          fullyRefunded: false,
          reversals: [line('par_1', 1, 244), line('par_2', 2, 105)], // 244.297 → 244; 104.645 → 105
        }),
      ]).events;
    // one cent more moves no line past a rounding boundary: nothing to reverse
    const second = spec
      .given([...history, ...first])
      .when(refund('0.01', 'r2'))
      .then([refunded({ refundId: 'r2', amountMinor: 1, refundedTotalMinor: 3334, fullyRefunded: false, reversals: [] })]).events;
    const { state } = spec
      .given([...history, ...first, ...second])
      .when(refund(undefined, 'r3'))
      .then([refunded({ refundId: 'r3', amountMinor: 6667, refundedTotalMinor: 10001, fullyRefunded: true, reversals: [line('par_1', 1, 489), line('par_2', 2, 209)] })]);
    expect(244 + 0 + 489).toBe(733);
    expect(105 + 0 + 209).toBe(314);
    if (!state.exists || !state.conversion) throw new Error('no conversion');
    expect(state.conversion.reversed).toEqual([733, 314, 0]);
    expect(netCommissions(state.conversion).map((l) => l.amountMinor)).toEqual([0, 0, 0]);
  });

  it('refuses more than remains', () => {
    const partial = refunded({ amountMinor: 5000, refundedTotalMinor: 5000, fullyRefunded: false, reversals: [line('par_1', 1, 500)] });
    spec
      .given([...sale, partial])
      .when(refund('100.00'))
      .thenThrows('refund_exceeds_remaining', 'unprocessable', 'amount');
    spec.given(sale).when(refund('150.00')).thenThrows('refund_exceeds_remaining', 'unprocessable', 'amount');
    spec
      .given([...sale, partial])
      .when(refund('99.99'))
      .then([refunded({ amountMinor: 9999, refundedTotalMinor: 14999, fullyRefunded: true, reversals: [line('par_1', 1, 1000)] })]);
  });

  it('refuses a fully refunded transaction', () => {
    spec
      .given([...sale, refunded({ reversals: [line('par_1', 1, 1500)] })])
      .when(refund())
      .thenThrows('transaction_fully_refunded', 'conflict');
    spec
      .given([...sale, refunded({ reversals: [line('par_1', 1, 1500)] })])
      .when(refund('1.00'))
      .thenThrows('transaction_fully_refunded', 'conflict');
  });

  it.each([['0'], ['-1'], ['abc'], ['1.001']])('refuses refund amount %p', (amount) => {
    spec.given(sale).when(refund(amount)).thenThrows('invalid_amount', 'validation', 'amount');
  });

  it('reverses nothing on a DENIED conversion', () => {
    spec
      .given([...sale, denied([line('par_1', 1, 1500)])])
      .when(refund())
      .then([refunded({ conversionStatus: 'DENIED', reversals: [] })]);
  });

  it('reverses the approved commission after approval', () => {
    const { state } = spec
      .given([...sale, approved([line('par_1', 1, 1500)])])
      .when(refund('74.99'))
      .then([refunded({ amountMinor: 7499, refundedTotalMinor: 7499, fullyRefunded: false, conversionStatus: 'APPROVED', reversals: [line('par_1', 1, 750)] })]);
    if (!state.exists || !state.conversion) throw new Error('no conversion');
    expect(netCommissions(state.conversion)).toEqual([line('par_1', 1, 750)]);
  });

  it('refunds while PENDING, then approve and deny carry the net commission', () => {
    const partial = spec
      .given(sale)
      .when(refund('50.00'))
      .then((events) => expect(events).toHaveLength(1)).events;
    spec
      .given([...sale, ...partial])
      .when(approve)
      .then([approved([line('par_1', 1, 1000)])]);
    const denial = spec
      .given([...sale, ...partial])
      .when(deny())
      .then([denied([line('par_1', 1, 1000)])]).events;
    // after the denial, the rest of the refund has nothing to take back
    spec
      .given([...sale, ...partial, ...denial])
      .when(refund())
      .then([refunded({ amountMinor: 9999, refundedTotalMinor: 14999, conversionStatus: 'DENIED', reversals: [] })]);
  });

  it('refunds a transaction without a conversion', () => {
    spec
      .given([recorded({ attribution: null })])
      .when(refund('10'))
      .then([refunded({ amountMinor: 1000, refundedTotalMinor: 1000, fullyRefunded: false, conversionId: null, conversionStatus: null })]);
  });

  it('refuses a missing transaction', () => {
    spec.given([]).when(refund()).thenThrows('transaction_not_found', 'not_found');
  });
});

describe('property: refunding everything reverses each commission line exactly', () => {
  const apply = (events: TransactionEvent[], state: TransactionState) => events.reduce(transactionDecider.evolve, state);

  it('holds for 500 random (amount, rates, refund split) cases', () => {
    const rnd = seeded(20240701);
    const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
    const rate = () => {
      const scaled = int(1, 1_000_000);
      return `${Math.floor(scaled / 10_000)}.${String(scaled % 10_000).padStart(4, '0')}`.replace(/\.?0+$/, '');
    };

    for (let n = 0; n < 500; n++) {
      const amountMinor = rnd() < 0.1 ? int(1, 20) : rnd() < 0.05 ? int(1, 100_000_000_000_000) : int(1, 10_000_000);
      const tiers = Array.from({ length: int(0, 3) }, (_, i) => ({ level: i + 2, amount: rate() }));
      const program: Program = { currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: rate() }, tiers };
      const chain = [snap('par_2'), snap('par_3'), snap('par_4')];

      let state = transactionDecider.initialState();
      state = apply(transactionDecider.decide(create({ amount: formatAmount(amountMinor, 'USD'), program, chain }), state), state);
      if (!state.exists || !state.conversion) throw new Error('expected a conversion');
      const commissions = state.conversion.commissions;

      // split the amount into 1..6 positive parts
      const count = Math.min(int(1, 6), amountMinor);
      const cuts = new Set<number>();
      while (cuts.size < count - 1) cuts.add(int(1, amountMinor - 1));
      const bounds = [0, ...[...cuts].sort((a, b) => a - b), amountMinor];
      const parts = bounds.slice(1).map((b, i) => b - bounds[i]);
      const approveAt = int(0, parts.length); // approve before refund #approveAt (parts.length: never)

      const totals = commissions.map(() => 0);
      parts.forEach((part, i) => {
        if (i === approveAt) state = apply(transactionDecider.decide(approve, state), state);
        const last = i === parts.length - 1;
        const events = transactionDecider.decide(refund(last && rnd() < 0.5 ? undefined : formatAmount(part, 'USD'), `r${i}`), state);
        const data = (events[0] as TransactionRefunded).data;
        expect(data.amountMinor).toBe(part);
        expect(data.fullyRefunded).toBe(last);
        for (const reversal of data.reversals) {
          expect(Number.isInteger(reversal.amountMinor) && reversal.amountMinor > 0).toBe(true);
          const index = commissions.findIndex((l) => l.level === reversal.level && l.partnerId === reversal.partnerId);
          totals[index] += reversal.amountMinor;
          expect(totals[index]).toBeLessThanOrEqual(commissions[index].amountMinor);
        }
        state = apply(events, state);
      });

      expect(totals).toEqual(commissions.map((l) => l.amountMinor));
      if (!state.exists || !state.conversion) throw new Error('expected a conversion');
      expect(netCommissions(state.conversion).every((l) => l.amountMinor === 0)).toBe(true);
      expect(() => transactionDecider.decide(refund(), state)).toThrow(expect.objectContaining({ code: 'transaction_fully_refunded' }));
    }
  });
});
