import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiSpecification, givenProgram, type StreamEvent } from '@partner-ledger/testing';
import { conversionIdFor, customerStream, partnerStream, programStream, purchaseCountStream, transactionStream, uniqueStream } from '@partner-ledger/domain';

/** A program (10 %, plus `extra` in its ProgramCreated), partner `ada` and customer `cust-1` referred by her. */
function givenShop(extra: Record<string, unknown> = {}) {
  const program = givenProgram();
  const pid = program.programId;
  const events: StreamEvent[] = [
    { ...program.event, data: { ...program.event.data, ...extra } },
    {
      stream: partnerStream(pid, 'ada'),
      type: 'PartnerCreated',
      data: { programId: pid, partnerId: 'ada', key: 'ADA10', email: 'ada@example.com', name: 'Ada', status: 'ACTIVE', referringPartnerId: null, details: {} },
    },
    { stream: uniqueStream(pid, 'customer-key', 'cust-1'), type: 'ValueReserved', data: { kind: 'customer-key', value: 'cust-1', ownerId: 'cus_1', at: '2024-01-01T00:00:00.000Z' } },
    {
      stream: customerStream(pid, 'cus_1'),
      type: 'CustomerCreated',
      data: { programId: pid, customerId: 'cus_1', key: 'cust-1', email: 'jane@example.com', name: 'Jane', partnerId: 'ada', referringCustomerId: null },
    },
  ];
  return { program, pid, events };
}

const planChanged = (pid: string, effectiveFrom: string, commission: object, productRates: object[] = []): StreamEvent => ({
  stream: programStream(pid),
  type: 'CommissionPlanChanged',
  data: { programId: pid, effectiveFrom, commission, tiers: [], productRates, approval: { mode: 'MANUAL', holdDays: 0 } },
});

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);
const SALE_WITH_CONVERSION = [
  { stream: expect.anything(), type: 'TransactionRecorded', data: expect.anything() },
  { stream: expect.anything(), type: 'ConversionCreated', data: expect.anything() },
];

describe('CreateTransaction under commission rules: given events → POST /transactions → new events', () => {
  let spec: ApiSpecification;
  beforeAll(async () => (spec = await ApiSpecification.start()));
  afterAll(async () => spec.stop());

  const sell = (pid: string, key: string, apiKey: string, body: object = {}) => ({
    method: 'POST' as const,
    path: `/v1/programs/${pid}/transactions`,
    key: apiKey,
    body: { key, customerKey: 'cust-1', amount: '100.00', ...body },
  });

  it('a plan change whose effective time has come prices the sale', async () => {
    const { program, pid, events } = givenShop();
    await spec
      .given(...events, planChanged(pid, '2020-01-01T00:00:00.000Z', { type: 'PERCENT_OF_SALE', amount: '20', duration: { type: 'LIFETIME' } }))
      .when(sell(pid, 'ORD-1', program.apiKey))
      .then({
        status: 201,
        body: { conversion: { commissions: [{ partnerId: 'ada', level: 1, amount: '20.00' }] } },
        events: [
          { stream: transactionStream(pid, 'ORD-1'), type: 'TransactionRecorded', data: expect.objectContaining({ unattributedReason: null }) },
          { stream: transactionStream(pid, 'ORD-1'), type: 'ConversionCreated', data: expect.objectContaining({ commissions: [{ partnerId: 'ada', level: 1, amountMinor: 2000 }] }) },
        ],
      });
  });

  it('a plan change effective later leaves the sale under the plan it was sold under', async () => {
    const { program, pid, events } = givenShop();
    await spec
      .given(...events, planChanged(pid, '2999-01-01T00:00:00.000Z', { type: 'PERCENT_OF_SALE', amount: '20', duration: { type: 'LIFETIME' } }))
      .when(sell(pid, 'ORD-1', program.apiKey))
      .then({
        status: 201,
        body: { conversion: { commissions: [{ partnerId: 'ada', level: 1, amount: '10.00' }] } },
        events: [
          { stream: transactionStream(pid, 'ORD-1'), type: 'TransactionRecorded', data: expect.objectContaining({ unattributedReason: null }) },
          { stream: transactionStream(pid, 'ORD-1'), type: 'ConversionCreated', data: expect.objectContaining({ commissions: [{ partnerId: 'ada', level: 1, amountMinor: 1000 }] }) },
        ],
      });
  });

  it('a plan change written by another engine instance prices the next sale, although this one cached the program', async () => {
    const { program, pid, events } = givenShop();
    await spec
      .given(...events)
      .when(sell(pid, 'ORD-1', program.apiKey))
      .then({ status: 201, body: { conversion: { commissions: [{ amount: '10.00' }] } }, events: SALE_WITH_CONVERSION });
    await spec
      .given(planChanged(pid, new Date(Date.now() - 1000).toISOString(), { type: 'PERCENT_OF_SALE', amount: '30', duration: { type: 'LIFETIME' } }))
      .when(sell(pid, 'ORD-2', program.apiKey))
      .then({ status: 201, body: { conversion: { commissions: [{ amount: '30.00' }] } }, events: SALE_WITH_CONVERSION });
  });

  it("ONE_TIME: the customer's first attributed purchase is counted and earns", async () => {
    const { program, pid, events } = givenShop({ commission: { type: 'PERCENT_OF_SALE', amount: '10', duration: { type: 'ONE_TIME' } } });
    await spec
      .given(...events)
      .when(sell(pid, 'ORD-1', program.apiKey))
      .then({
        status: 201,
        body: { unattributedReason: null, conversion: { id: conversionIdFor('ORD-1') } },
        events: [
          {
            stream: purchaseCountStream(pid, 'cus_1'),
            type: 'CustomerPurchaseCounted',
            data: { programId: pid, customerId: 'cus_1', transactionKey: 'ORD-1', number: 1, firstAt: ISO, at: ISO },
          },
          { stream: transactionStream(pid, 'ORD-1'), type: 'TransactionRecorded', data: expect.objectContaining({ unattributedReason: null }) },
          { stream: transactionStream(pid, 'ORD-1'), type: 'ConversionCreated', data: expect.objectContaining({ commissions: [{ partnerId: 'ada', level: 1, amountMinor: 1000 }] }) },
        ],
      });
  });

  it('ONE_TIME: a later purchase is recorded with no conversion and the reason, in the event and the answer', async () => {
    const { program, pid, events } = givenShop({ commission: { type: 'PERCENT_OF_SALE', amount: '10', duration: { type: 'ONE_TIME' } } });
    const first = '2026-01-01T00:00:00.000Z';
    await spec
      .given(...events, {
        stream: purchaseCountStream(pid, 'cus_1'),
        type: 'CustomerPurchaseCounted',
        data: { programId: pid, customerId: 'cus_1', transactionKey: 'ORD-0', number: 1, firstAt: first, at: first },
      })
      .when(sell(pid, 'ORD-2', program.apiKey))
      .then({
        status: 201,
        body: { unattributedReason: 'commission_duration_ended', attribution: { source: 'customer', partnerId: 'ada', triggerId: null }, conversion: null },
        events: [
          {
            stream: purchaseCountStream(pid, 'cus_1'),
            type: 'CustomerPurchaseCounted',
            data: { programId: pid, customerId: 'cus_1', transactionKey: 'ORD-2', number: 2, firstAt: first, at: ISO },
          },
          {
            stream: transactionStream(pid, 'ORD-2'),
            type: 'TransactionRecorded',
            data: expect.objectContaining({ attribution: { source: 'customer', partnerId: 'ada', triggerId: null }, unattributedReason: 'commission_duration_ended' }),
          },
        ],
      });
  });

  it('a refused sale is not counted', async () => {
    const { program, pid, events } = givenShop({ commission: { type: 'PERCENT_OF_SALE', amount: '10', duration: { type: 'ONE_TIME' } } });
    await spec
      .given(...events)
      .when(sell(pid, 'ORD-1', program.apiKey, { amount: '-5' }))
      .thenRefused(400, 'invalid_amount', 'amount');
  });

  it("a product with its own rate earns it; other products the program's", async () => {
    const { program, pid, events } = givenShop({ productRates: [{ productId: 'pro', type: 'FLAT_RATE', amount: '7.50' }] });
    await spec
      .given(...events)
      .when(sell(pid, 'ORD-1', program.apiKey, { productId: 'pro' }))
      .then({
        status: 201,
        body: { conversion: { commissions: [{ partnerId: 'ada', level: 1, amount: '7.50' }] } },
        events: [
          { stream: transactionStream(pid, 'ORD-1'), type: 'TransactionRecorded', data: expect.objectContaining({ productId: 'pro' }) },
          {
            stream: transactionStream(pid, 'ORD-1'),
            type: 'ConversionCreated',
            data: expect.objectContaining({
              commissions: [{ partnerId: 'ada', level: 1, amountMinor: 750 }],
              trace: expect.objectContaining({ productRate: { productId: 'pro', type: 'FLAT_RATE', amount: '7.50' } }),
            }),
          },
        ],
      });
  });
});
