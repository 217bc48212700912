import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiSpecification, givenProgram } from '@partner-ledger/testing';
import { customerStream, partnerStream, uniqueStream } from '@partner-ledger/domain';

const partnerCreated = (programId: string, partnerId: string) => ({
  stream: partnerStream(programId, partnerId),
  type: 'PartnerCreated',
  data: { programId, partnerId, key: `${partnerId}-key`, email: `${partnerId}@example.com`, name: partnerId, status: 'ACTIVE', referringPartnerId: null, details: {} },
});

describe('CreateCustomer: given events → POST /customers → new events', () => {
  let spec: ApiSpecification;
  beforeAll(async () => (spec = await ApiSpecification.start()));
  afterAll(async () => spec.stop());

  it('reserves the key and the email, then creates the customer linked to the referring partner', async () => {
    const program = givenProgram();
    const pid = program.programId;
    const res = await spec
      .given(program.event, partnerCreated(pid, 'ada'))
      .when({ method: 'POST', path: `/v1/programs/${pid}/customers`, key: program.apiKey, body: { key: 'cust-1', email: 'jane@example.com', name: 'Jane', partner: { id: 'ada' } } })
      .then({
        status: 201,
        body: { key: 'cust-1', partnerId: 'ada' },
        headers: { etag: '"0"' },
        events: [
          {
            stream: uniqueStream(pid, 'customer-key', 'cust-1'),
            type: 'ValueReserved',
            data: { kind: 'customer-key', value: 'cust-1', ownerId: expect.stringMatching(/^cus_/), at: expect.any(String) },
          },
          {
            stream: uniqueStream(pid, 'customer-email', 'jane@example.com'),
            type: 'ValueReserved',
            data: { kind: 'customer-email', value: 'jane@example.com', ownerId: expect.stringMatching(/^cus_/), at: expect.any(String) },
          },
          {
            stream: expect.stringMatching(new RegExp(`^customer-${pid}\\.cus_`)),
            type: 'CustomerCreated',
            data: { programId: pid, customerId: expect.stringMatching(/^cus_/), key: 'cust-1', email: 'jane@example.com', name: 'Jane', partnerId: 'ada', referringCustomerId: null },
          },
        ],
      });
    expect(customerStream(pid, res.body.id)).toBe(`customer-${pid}.${res.body.id}`);
  });

  it('refuses a referring partner the program does not have, appending nothing', async () => {
    const program = givenProgram();
    await spec
      .given(program.event)
      .when({ method: 'POST', path: `/v1/programs/${program.programId}/customers`, key: program.apiKey, body: { email: 'jane@example.com', name: 'Jane', partner: { id: 'nobody' } } })
      .thenRefused(422, 'partner_not_found', 'partner');
  });
});
