import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { ApiSpecification, givenProgram, type StreamEvent } from '@partner-ledger/testing';
import { conversionIdFor, transactionStream } from '@partner-ledger/domain';

/** A recorded sale of 100.00 USD with a pending 10.00 commission for `ada`. */
function givenPendingConversion() {
  const program = givenProgram();
  const pid = program.programId;
  const stream = transactionStream(pid, 'ORD-1');
  const conversionId = conversionIdFor('ORD-1');
  const commissions = [{ partnerId: 'ada', level: 1, amountMinor: 1000 }];
  const events: StreamEvent[] = [
    program.event,
    {
      stream,
      type: 'TransactionRecorded',
      data: {
        programId: pid,
        transactionKey: 'ORD-1',
        amountMinor: 10000,
        currency: 'USD',
        customerId: 'cus_1',
        productId: null,
        productType: null,
        couponCode: null,
        requestHash: 'h',
        attribution: { source: 'customer', partnerId: 'ada', triggerId: null },
        unattributedReason: null,
      },
    },
    {
      stream,
      type: 'ConversionCreated',
      data: {
        programId: pid,
        conversionId,
        transactionKey: 'ORD-1',
        partnerId: 'ada',
        customerId: 'cus_1',
        amountMinor: 10000,
        currency: 'USD',
        status: 'PENDING',
        commissions,
        trace: { rule: 'PERCENT_OF_SALE', base: 10000, levels: [{ level: 1, partnerId: 'ada', rate: '10', amountMinor: 1000 }] },
      },
    },
  ];
  return { program, stream, conversionId, commissions, events };
}

describe('ApproveConversion: given events → POST /conversions/:id/approve → new events', () => {
  let spec: ApiSpecification;
  beforeAll(async () => (spec = await ApiSpecification.start()));
  afterAll(async () => spec.stop());

  it('approves a pending conversion', async () => {
    const { program, stream, conversionId, commissions, events } = givenPendingConversion();
    const pid = program.programId;
    await spec
      .given(...events)
      .when({ method: 'POST', path: `/v1/programs/${pid}/conversions/${conversionId}/approve`, key: program.apiKey, headers: { 'if-match': '"1"' } })
      .then({
        status: 200,
        body: { id: conversionId, status: 'APPROVED' },
        headers: { etag: '"2"' },
        // The actor is the program key the request authenticated with.
        events: [
          {
            stream,
            type: 'ConversionApproved',
            data: { programId: pid, conversionId, transactionKey: 'ORD-1', partnerId: 'ada', currency: 'USD', commissions, actor: { type: 'PROGRAM_KEY', id: pid } },
          },
        ],
      });
  });

  it('refuses a denied conversion, appending nothing', async () => {
    const { program, stream, conversionId, commissions, events } = givenPendingConversion();
    const pid = program.programId;
    const denied = { stream, type: 'ConversionDenied', data: { programId: pid, conversionId, transactionKey: 'ORD-1', partnerId: 'ada', currency: 'USD', reason: null, commissions } };
    await spec
      .given(...events, denied)
      .when({ method: 'POST', path: `/v1/programs/${pid}/conversions/${conversionId}/approve`, key: program.apiKey })
      .thenRefused(409, 'conversion_denied');
  });
});
