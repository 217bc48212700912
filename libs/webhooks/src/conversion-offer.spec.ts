import { describe, expect, it } from '@jest/globals';
import type { RecordedEvent } from '@partner-ledger/event-store';
import type { ConversionBody } from './bodies.js';
import { PublisherView } from './publisher-view.js';

let position = 0n;
const ev = (type: string, data: Record<string, unknown>): RecordedEvent => {
  position += 1n;
  return { id: `e${position}`, streamName: `x-${type}`, revision: 0n, position, type, data, metadata: { source: 'api' }, created: new Date('2026-03-01T12:00:00.000Z') };
};

const P = 'prg_offer';
const history = () => [
  ev('ProgramCreated', { programId: P, name: 'Offer', currency: 'USD', apiKeyHash: 'h', commission: { type: 'PERCENT_OF_SALE', amount: '10' }, tiers: [] }),
  ev('PartnerCreated', { programId: P, partnerId: 'p1', key: 'K', email: 'p@example.com', name: 'P One', status: 'ACTIVE', referringPartnerId: null, details: {} }),
  ev('CustomerCreated', { programId: P, customerId: 'c1', key: 'ck', email: 'c@example.com', name: 'C', partnerId: 'p1', referringCustomerId: null }),
  ev('CommissionPlanChanged', {
    programId: P,
    effectiveFrom: '2026-02-01T00:00:00.000Z',
    commission: { type: 'PERCENT_OF_SALE', amount: '20', duration: { type: 'LIFETIME' } },
    tiers: [],
    productRates: [{ productId: 'mug', type: 'FLAT_RATE', amount: '2.50' }],
    approval: { mode: 'MANUAL', holdDays: 0 },
  }),
];
const sale = (key: string, productId: string | null, trace: Record<string, unknown>) => [
  ev('TransactionRecorded', {
    programId: P,
    transactionKey: key,
    amountMinor: 10000,
    currency: 'USD',
    customerId: 'c1',
    productId,
    productType: null,
    couponCode: null,
    requestHash: key,
    attribution: { source: 'customer', partnerId: 'p1', triggerId: null },
    unattributedReason: null,
  }),
  ev('ConversionCreated', {
    programId: P,
    conversionId: `cv_${key}`,
    transactionKey: key,
    partnerId: 'p1',
    customerId: 'c1',
    amountMinor: 10000,
    currency: 'USD',
    status: 'PENDING',
    commissions: [{ partnerId: 'p1', level: 1, amountMinor: 2000 }],
    trace,
  }),
];

function offers(events: RecordedEvent[]) {
  const view = new PublisherView();
  return events
    .map((e) => view.next(e))
    .filter((p) => p?.topic === 'NEW_CONVERSION')
    .map((p) => (p!.body as ConversionBody).offer);
}

describe("a conversion webhook's offer", () => {
  it('is the rate the conversion was priced at: the plan in effect then, or its product rate', () => {
    const events = [
      ...history(),
      ...sale('t1', null, { rule: 'PERCENT_OF_SALE', base: 10000, levels: [{ level: 1, partnerId: 'p1', rate: '20', amountMinor: 2000 }] }),
      ...sale('t2', 'mug', {
        rule: 'PERCENT_OF_SALE',
        base: 10000,
        productRate: { productId: 'mug', type: 'FLAT_RATE', amount: '2.50' },
        levels: [{ level: 1, partnerId: 'p1', rate: '2.50', amountMinor: 250 }],
      }),
    ];
    expect(offers(events)).toEqual([
      { id: P, name: 'Offer', type: 'PERCENT_OF_SALE', amount: '20' },
      { id: P, name: 'Offer', type: 'FLAT_RATE', amount: '2.50' },
    ]);
  });

  it("is the program's commission for a conversion whose trace names no level 1", () => {
    expect(offers([...history(), ...sale('t1', null, { rule: 'PERCENT_OF_SALE', base: 10000, levels: [] })])).toEqual([{ id: P, name: 'Offer', type: 'PERCENT_OF_SALE', amount: '10' }]);
  });
});
