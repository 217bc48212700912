import { describe, it } from '@jest/globals';
import type { PartnerSnapshot } from '../partner/partner.js';
import type { CustomerPurchase } from '../program/commission-rules.js';
import { DeciderSpecification } from '../testing/decider-specification.js';
import { conversionIdFor } from './attribution.js';
import { type CommissionTrace, type ConversionCreated, type CreateTransaction, transactionDecider, type TransactionRecorded } from './transaction.js';

/** Commission durations and per-product rates, as the transaction decider applies them. */
const spec = DeciderSpecification.for(transactionDecider);

type Program = CreateTransaction['program'];
const snap = (partnerId: string, status: PartnerSnapshot['status'] = 'ACTIVE'): PartnerSnapshot => ({ partnerId, status, referringPartnerId: null });
const FIRST = '2026-01-15T00:00:00.000Z';
const purchase = (number: number, at = FIRST): CustomerPurchase => ({ number, firstAt: FIRST, at });

const withDuration = (duration: NonNullable<Program['commission']['duration']>): Program => ({ currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10', duration }, tiers: [] });

const create = (overrides: Partial<CreateTransaction> = {}): CreateTransaction => ({
  type: 'CreateTransaction',
  programId: 'prg_1',
  transactionKey: 'T-1',
  amount: '100.00',
  requestHash: 'h1',
  program: { currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' }, tiers: [] },
  customerId: 'cus_1',
  attribution: { source: 'customer', partner: snap('par_1') },
  chain: [],
  ...overrides,
});

const recorded = (overrides: Partial<TransactionRecorded['data']> = {}): TransactionRecorded => ({
  type: 'TransactionRecorded',
  data: {
    programId: 'prg_1',
    transactionKey: 'T-1',
    amountMinor: 10000,
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

const conversion = (commissions: { partnerId: string; level: number; amountMinor: number }[], trace: CommissionTrace): ConversionCreated => ({
  type: 'ConversionCreated',
  data: {
    programId: 'prg_1',
    conversionId: conversionIdFor('T-1'),
    transactionKey: 'T-1',
    partnerId: 'par_1',
    customerId: 'cus_1',
    amountMinor: 10000,
    currency: 'USD',
    status: 'PENDING',
    commissions,
    trace,
  },
});

const TEN_PERCENT = conversion([{ partnerId: 'par_1', level: 1, amountMinor: 1000 }], {
  rule: 'PERCENT_OF_SALE',
  base: 10000,
  levels: [{ level: 1, partnerId: 'par_1', rate: '10', amountMinor: 1000 }],
});
const ENDED = [recorded({ unattributedReason: 'commission_duration_ended' })];

describe('commission duration', () => {
  it('ONE_TIME pays the first attributed purchase', () => {
    spec
      .given([])
      .when(create({ program: withDuration({ type: 'ONE_TIME' }), purchase: purchase(1) }))
      .then([recorded(), TEN_PERCENT]);
  });

  it('ONE_TIME records the second purchase with no conversion and the reason', () => {
    spec
      .given([])
      .when(create({ program: withDuration({ type: 'ONE_TIME' }), purchase: purchase(2) }))
      .then(ENDED);
  });

  it('PAYMENTS pays the first count purchases, not one more', () => {
    const program = withDuration({ type: 'PAYMENTS', count: 3 });
    spec
      .given([])
      .when(create({ program, purchase: purchase(3) }))
      .then([recorded(), TEN_PERCENT]);
    spec
      .given([])
      .when(create({ program, purchase: purchase(4) }))
      .then(ENDED);
  });

  it('MONTHS pays for count months from the first attributed purchase', () => {
    const program = withDuration({ type: 'MONTHS', count: 6 });
    spec
      .given([])
      .when(create({ program, purchase: purchase(9, '2026-07-14T23:59:59.999Z') }))
      .then([recorded(), TEN_PERCENT]);
    spec
      .given([])
      .when(create({ program, purchase: purchase(2, '2026-07-15T00:00:00.000Z') }))
      .then(ENDED);
  });

  it('LIFETIME (and a plan without a duration) pays every purchase', () => {
    spec
      .given([])
      .when(create({ program: withDuration({ type: 'LIFETIME' }), purchase: purchase(500) }))
      .then([recorded(), TEN_PERCENT]);
    spec
      .given([])
      .when(create({ purchase: purchase(500) }))
      .then([recorded(), TEN_PERCENT]);
  });

  it('a partner that is not ACTIVE is the reason first, whatever the duration', () => {
    spec
      .given([])
      .when(create({ program: withDuration({ type: 'ONE_TIME' }), purchase: purchase(2), attribution: { source: 'customer', partner: snap('par_1', 'DISABLED') } }))
      .then([recorded({ unattributedReason: 'partner_not_active' })]);
  });

  it('an unattributed sale has no reason and is never out of duration', () => {
    spec
      .given([])
      .when(create({ program: withDuration({ type: 'ONE_TIME' }), attribution: null }))
      .then([recorded({ attribution: null })]);
  });
});

describe('product rates', () => {
  const program: Program = {
    currency: 'USD',
    commission: { type: 'PERCENT_OF_SALE', amount: '10' },
    tiers: [{ level: 2, amount: '5' }],
    productRates: [
      { productId: 'pro', type: 'PERCENT_OF_SALE', amount: '30' },
      { productId: 'mug', type: 'FLAT_RATE', amount: '2.50' },
    ],
  };
  const chain = [snap('par_up')];

  it("a product with its own percent rate pays it at level 1; the tiers keep the program's rates", () => {
    spec
      .given([])
      .when(create({ program, chain, productId: 'pro' }))
      .then([
        recorded({ productId: 'pro' }),
        conversion(
          [
            { partnerId: 'par_1', level: 1, amountMinor: 3000 },
            { partnerId: 'par_up', level: 2, amountMinor: 500 },
          ],
          {
            rule: 'PERCENT_OF_SALE',
            base: 10000,
            productRate: { productId: 'pro', type: 'PERCENT_OF_SALE', amount: '30' },
            levels: [
              { level: 1, partnerId: 'par_1', rate: '30', amountMinor: 3000 },
              { level: 2, partnerId: 'par_up', rate: '5', amountMinor: 500 },
            ],
          },
        ),
      ]);
  });

  it('a flat product rate on a percent program pays the flat amount at level 1', () => {
    spec
      .given([])
      .when(create({ program, chain, productId: 'mug' }))
      .then([
        recorded({ productId: 'mug' }),
        conversion(
          [
            { partnerId: 'par_1', level: 1, amountMinor: 250 },
            { partnerId: 'par_up', level: 2, amountMinor: 500 },
          ],
          {
            rule: 'PERCENT_OF_SALE',
            base: 10000,
            productRate: { productId: 'mug', type: 'FLAT_RATE', amount: '2.50' },
            levels: [
              { level: 1, partnerId: 'par_1', rate: '2.50', amountMinor: 250 },
              { level: 2, partnerId: 'par_up', rate: '5', amountMinor: 500 },
            ],
          },
        ),
      ]);
  });

  it("any other product, or none, is priced at the program's rate", () => {
    const programRate = conversion(
      [
        { partnerId: 'par_1', level: 1, amountMinor: 1000 },
        { partnerId: 'par_up', level: 2, amountMinor: 500 },
      ],
      {
        rule: 'PERCENT_OF_SALE',
        base: 10000,
        levels: [
          { level: 1, partnerId: 'par_1', rate: '10', amountMinor: 1000 },
          { level: 2, partnerId: 'par_up', rate: '5', amountMinor: 500 },
        ],
      },
    );
    spec
      .given([])
      .when(create({ program, chain, productId: 'other' }))
      .then([recorded({ productId: 'other' }), programRate]);
    spec.given([]).when(create({ program, chain })).then([recorded(), programRate]);
  });
});
