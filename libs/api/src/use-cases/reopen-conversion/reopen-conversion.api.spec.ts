import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { ADMIN_KEY, ApiSpecification, givenProgram, type StreamEvent } from '@partner-ledger/testing';
import { conversionIdFor, transactionStream } from '@partner-ledger/domain';

/** A sale of 100.00 USD with a 10.00 commission for `ada`, denied by the program key. */
function givenDeniedConversion() {
  const program = givenProgram();
  const pid = program.programId;
  const stream = transactionStream(pid, 'ORD-1');
  const conversionId = conversionIdFor('ORD-1');
  const commissions = [{ partnerId: 'ada', level: 1, amountMinor: 1000 }];
  const base = { programId: pid, conversionId, transactionKey: 'ORD-1', partnerId: 'ada', currency: 'USD' };
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
        ...base,
        customerId: 'cus_1',
        amountMinor: 10000,
        status: 'PENDING',
        commissions,
        trace: { rule: 'PERCENT_OF_SALE', base: 10000, levels: [{ level: 1, partnerId: 'ada', rate: '10', amountMinor: 1000 }] },
      },
    },
    // Written before actors were recorded: it still folds.
    { stream, type: 'ConversionDenied', data: { ...base, reason: 'fraud?', commissions } },
  ];
  return { program, stream, conversionId, commissions, base, events };
}

describe('ReopenConversion: given events → POST /conversions/:id/reopen → new events', () => {
  let spec: ApiSpecification;
  beforeAll(async () => (spec = await ApiSpecification.start()));
  afterAll(async () => spec.stop());

  it('reopens a denied conversion, recording the reason and the admin as actor', async () => {
    const { program, stream, conversionId, commissions, base, events } = givenDeniedConversion();
    await spec
      .given(...events)
      .when({ method: 'POST', path: `/v1/programs/${program.programId}/conversions/${conversionId}/reopen`, key: ADMIN_KEY, body: { reason: 'checked' }, headers: { 'if-match': '"2"' } })
      .then({
        status: 200,
        body: { id: conversionId, status: 'PENDING', flags: [] },
        headers: { etag: '"3"' },
        events: [{ stream, type: 'ConversionReopened', data: { ...base, reason: 'checked', commissions, reversals: [], actor: { type: 'ADMIN' } } }],
      });
  });

  it('records the program key as actor and a null reason when none is given', async () => {
    const { program, stream, conversionId, commissions, base, events } = givenDeniedConversion();
    await spec
      .given(...events)
      .when({ method: 'POST', path: `/v1/programs/${program.programId}/conversions/${conversionId}/reopen`, key: program.apiKey })
      .then({
        status: 200,
        body: { id: conversionId, status: 'PENDING' },
        events: [{ stream, type: 'ConversionReopened', data: { ...base, reason: null, commissions, reversals: [], actor: { type: 'PROGRAM_KEY', id: program.programId } } }],
      });
  });

  it('refuses a pending conversion, appending nothing', async () => {
    const { program, conversionId, events } = givenDeniedConversion();
    await spec
      .given(...events.slice(0, 3))
      .when({ method: 'POST', path: `/v1/programs/${program.programId}/conversions/${conversionId}/reopen`, key: program.apiKey })
      .thenRefused(409, 'conversion_already_pending');
  });
});
