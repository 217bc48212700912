import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiSpecification, givenProgram } from '@partner-ledger/testing';
import { conversionIdFor, customerStream, partnerStream, transactionStream, uniqueStream } from '@partner-ledger/domain';

/** A program with partner `ada` and customer `cust-1` (key) referred by her. */
function givenShop() {
  const program = givenProgram();
  const pid = program.programId;
  return {
    program,
    events: [
      program.event,
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
    ],
  };
}

describe('CreateTransaction: given events → POST /transactions → new events', () => {
  let spec: ApiSpecification;
  beforeAll(async () => (spec = await ApiSpecification.start()));
  afterAll(async () => spec.stop());

  it("records the sale and a pending conversion for the customer's partner", async () => {
    const { program, events } = givenShop();
    const pid = program.programId;
    await spec
      .given(...events)
      .when({ method: 'POST', path: `/v1/programs/${pid}/transactions`, key: program.apiKey, body: { key: 'ORD-1', customerKey: 'cust-1', amount: '100.00' } })
      .then({
        status: 201,
        headers: { etag: '"1"' },
        events: [
          {
            stream: transactionStream(pid, 'ORD-1'),
            type: 'TransactionRecorded',
            data: expect.objectContaining({
              programId: pid,
              transactionKey: 'ORD-1',
              amountMinor: 10000,
              currency: 'USD',
              customerId: 'cus_1',
              attribution: { source: 'customer', partnerId: 'ada', triggerId: null },
            }),
          },
          {
            stream: transactionStream(pid, 'ORD-1'),
            type: 'ConversionCreated',
            data: expect.objectContaining({ conversionId: conversionIdFor('ORD-1'), partnerId: 'ada', status: 'PENDING', commissions: [{ partnerId: 'ada', level: 1, amountMinor: 1000 }] }),
          },
        ],
      });
  });

  it('refuses a customer key the program does not have, appending nothing', async () => {
    const { program, events } = givenShop();
    await spec
      .given(...events)
      .when({ method: 'POST', path: `/v1/programs/${program.programId}/transactions`, key: program.apiKey, body: { customerKey: 'nobody', amount: '100.00' } })
      .thenRefused(422, 'customer_not_found', 'customerKey');
  });
});
