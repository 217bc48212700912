import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiSpecification, givenProgram } from '@partner-ledger/testing';
import { partnerStream, uniqueStream } from '@partner-ledger/domain';

describe('CreatePartner: given events → POST /partners → new events', () => {
  let spec: ApiSpecification;
  beforeAll(async () => (spec = await ApiSpecification.start()));
  afterAll(async () => spec.stop());

  it('reserves the key and the email, then creates the partner', async () => {
    const program = givenProgram();
    const pid = program.programId;
    await spec
      .given(program.event)
      .when({ method: 'POST', path: `/v1/programs/${pid}/partners`, key: program.apiKey, body: { id: 'ada', key: 'ADA10', email: 'Ada@Example.com', name: 'Ada' } })
      .then({
        status: 201,
        body: { id: 'ada', key: 'ADA10', email: 'ada@example.com', status: 'ACTIVE' },
        headers: { etag: '"0"' },
        events: [
          { stream: uniqueStream(pid, 'partner-key', 'ADA10'), type: 'ValueReserved', data: { kind: 'partner-key', value: 'ADA10', ownerId: 'ada', at: expect.any(String) } },
          {
            stream: uniqueStream(pid, 'partner-email', 'ada@example.com'),
            type: 'ValueReserved',
            data: { kind: 'partner-email', value: 'ada@example.com', ownerId: 'ada', at: expect.any(String) },
          },
          {
            stream: partnerStream(pid, 'ada'),
            type: 'PartnerCreated',
            data: expect.objectContaining({ programId: pid, partnerId: 'ada', key: 'ADA10', email: 'ada@example.com', name: 'Ada', status: 'ACTIVE', referringPartnerId: null }),
          },
        ],
      });
  });

  it('refuses an id already taken, appending nothing', async () => {
    const program = givenProgram();
    const pid = program.programId;
    const existing = { programId: pid, partnerId: 'ada', key: 'ADA10', email: 'ada@example.com', name: 'Ada', status: 'ACTIVE', referringPartnerId: null, details: {} };
    await spec
      .given(program.event, { stream: partnerStream(pid, 'ada'), type: 'PartnerCreated', data: existing })
      .when({ method: 'POST', path: `/v1/programs/${pid}/partners`, key: program.apiKey, body: { id: 'ada', email: 'other@example.com', name: 'Other' } })
      .thenRefused(409, 'partner_exists', 'id');
  });
});
