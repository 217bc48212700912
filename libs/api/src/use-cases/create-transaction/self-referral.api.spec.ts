import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiSpecification, givenProgram, type StreamEvent } from '@partner-ledger/testing';
import { customerStream, partnerStream, transactionStream, type UniqueKind, uniqueStream } from '@partner-ledger/domain';

const reserved = (pid: string, kind: UniqueKind, value: string, ownerId: string): StreamEvent => ({
  stream: uniqueStream(pid, kind, value),
  type: 'ValueReserved',
  data: { kind, value, ownerId, at: '2024-01-01T00:00:00.000Z' },
});
const partner = (pid: string, partnerId: string, email: string, referringPartnerId: string | null = null): StreamEvent[] => [
  reserved(pid, 'partner-email', email, partnerId),
  {
    stream: partnerStream(pid, partnerId),
    type: 'PartnerCreated',
    data: { programId: pid, partnerId, key: partnerId.toUpperCase(), email, name: partnerId, status: 'ACTIVE', referringPartnerId, details: {} },
  },
];
const customer = (pid: string, email: string, partnerId: string): StreamEvent[] => [
  reserved(pid, 'customer-key', 'cust-1', 'cus_1'),
  {
    stream: customerStream(pid, 'cus_1'),
    type: 'CustomerCreated',
    data: { programId: pid, customerId: 'cus_1', key: 'cust-1', email, name: 'Buyer', partnerId, referringCustomerId: null },
  },
];

/**
 * The handler looks the self-referral facts up from streams only: the partners the attribution
 * loads, and the buyer's partner-email reservation with that partner's referrers.
 */
describe('CreateTransaction: self-referral facts from the streams → SELF_REFERRAL on ConversionCreated', () => {
  let spec: ApiSpecification;
  beforeAll(async () => (spec = await ApiSpecification.start()));
  afterAll(async () => spec.stop());

  const sale = (program: ReturnType<typeof givenProgram>) => ({
    method: 'POST' as const,
    path: `/v1/programs/${program.programId}/transactions`,
    key: program.apiKey,
    body: { key: 'ORD-1', customerKey: 'cust-1', amount: '100.00' },
  });
  const created = (pid: string, data: object) => ({ stream: transactionStream(pid, 'ORD-1'), type: 'ConversionCreated', data: expect.objectContaining(data) });
  const recorded = (pid: string) => ({ stream: transactionStream(pid, 'ORD-1'), type: 'TransactionRecorded', data: expect.anything() });

  it('the buyer is the attributed partner under a gmail alias: flagged customer_is_partner, recorded by the program key', async () => {
    const program = givenProgram();
    const pid = program.programId;
    await spec
      .given(program.event, ...partner(pid, 'ada', 'ada.l@gmail.com'), ...customer(pid, 'adal+shop@googlemail.com', 'ada'))
      .when(sale(program))
      .then({
        status: 201,
        body: { conversion: { status: 'PENDING', flags: ['SELF_REFERRAL'] } },
        events: [
          recorded(pid),
          created(pid, {
            status: 'PENDING',
            flags: ['SELF_REFERRAL'],
            flagReasons: [{ flag: 'SELF_REFERRAL', reason: 'customer_is_partner', partnerId: 'ada' }],
            actor: { type: 'PROGRAM_KEY', id: pid },
          }),
        ],
      });
  });

  it('the buyer is a partner two levels below the attributed partner: flagged customer_is_downline', async () => {
    const program = givenProgram();
    const pid = program.programId;
    await spec
      .given(
        program.event,
        ...partner(pid, 'ada', 'ada@example.com'),
        ...partner(pid, 'mid', 'mid@example.com', 'ada'),
        ...partner(pid, 'sock', 'sock@example.com', 'mid'),
        ...customer(pid, 'sock@example.com', 'ada'),
      )
      .when(sale(program))
      .then({
        status: 201,
        events: [recorded(pid), created(pid, { flags: ['SELF_REFERRAL'], flagReasons: [{ flag: 'SELF_REFERRAL', reason: 'customer_is_downline', partnerId: 'sock' }] })],
      });
  });

  it('the buyer is a partner elsewhere in the program (not below the attributed one): not flagged', async () => {
    const program = givenProgram();
    const pid = program.programId;
    await spec
      .given(program.event, ...partner(pid, 'ada', 'ada@example.com'), ...partner(pid, 'eve', 'eve@example.com'), ...customer(pid, 'eve@example.com', 'ada'))
      .when(sale(program))
      .then({
        status: 201,
        body: { conversion: { flags: [], flagReasons: [] } },
        events: [recorded(pid), created(pid, { status: 'PENDING', commissions: [{ partnerId: 'ada', level: 1, amountMinor: 1000 }] })],
      });
  });
});
