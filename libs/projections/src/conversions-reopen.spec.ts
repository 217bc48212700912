import { describe, expect, it } from '@jest/globals';
import { type CreateTransaction, sumMinor, type TransactionCommand, transactionDecider, type TransactionEvent } from '@partner-ledger/domain';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { COMMISSION_TOTALS, CONVERSIONS, conversionsProjection, PROGRAM_TOTALS } from './conversions.projection.js';
import { InMemoryFold } from './fold-in-memory.js';

/** 100.01 at 7.3333 % for `a`, tier 2 at 5 % for `b`, bought by `a` itself: flagged. */
const create: CreateTransaction = {
  type: 'CreateTransaction',
  programId: 'prg',
  transactionKey: 'T1',
  amount: '100.01',
  requestHash: 'h',
  program: { currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '7.3333' }, tiers: [{ level: 2, amount: '5' }] },
  customerId: 'c1',
  attribution: { source: 'customer', partner: { partnerId: 'a', status: 'ACTIVE', referringPartnerId: 'b' } },
  chain: [{ partnerId: 'b', status: 'ACTIVE', referringPartnerId: null }],
  referral: { customerEmail: 'a+shop@x.io', partnerEmails: { a: 'a@x.io', b: 'b@x.io' }, customerPartner: null },
};

/** The events of `commands`, decided in turn and recorded one after another. */
function recorded(...commands: TransactionCommand[]): RecordedEvent[] {
  const events: TransactionEvent[] = [];
  for (const command of commands) events.push(...transactionDecider.decide(command, events.reduce(transactionDecider.evolve, transactionDecider.initialState())));
  return events.map((e, i) => ({
    id: `e${i}`,
    streamName: 's',
    revision: BigInt(i),
    position: BigInt(i + 1),
    type: e.type,
    data: e.data,
    metadata: {},
    created: new Date(Date.UTC(2026, 2, 1, 10, i)),
  }));
}

const fold = (events: RecordedEvent[]) => {
  const view = new InMemoryFold([conversionsProjection]);
  for (const e of events) view.apply(e);
  return view;
};
const sum = (t: Record<string, { amount: string }>) => Number(sumMinor([t.pending.amount, t.approved.amount, t.denied.amount, t.reversed.amount]));

describe('conversions projection: reopen and flags', () => {
  const deny: TransactionCommand = { type: 'DenyConversion', reason: 'self-referral', actor: { type: 'ADMIN' } };
  const reopen: TransactionCommand = { type: 'ReopenConversion', reason: 'checked', actor: { type: 'ADMIN' } };
  const approve: TransactionCommand = { type: 'ApproveConversion', actor: { type: 'PROGRAM_KEY', id: 'prg' } };

  it('shows the flags and their reasons on the conversion, flagged for filtering', () => {
    expect(fold(recorded(create)).get(CONVERSIONS, 'prg:cv_VDE')).toMatchObject({
      status: 'PENDING',
      flags: ['SELF_REFERRAL'],
      flagReasons: [{ flag: 'SELF_REFERRAL', reason: 'customer_is_partner', partnerId: 'a' }],
      flagged: true,
    });
    expect(fold(recorded({ ...create, referral: undefined })).get(CONVERSIONS, 'prg:cv_VDE')).toMatchObject({ flags: [], flagReasons: [], flagged: false });
  });

  it('deny → reopen → approve: the commission is approved once, nothing left denied', () => {
    const view = fold(recorded(create, deny, reopen, approve));
    expect(view.get(CONVERSIONS, 'prg:cv_VDE')).toMatchObject({ status: 'APPROVED', reason: null, flagged: true });
    expect(view.get(COMMISSION_TOTALS, 'prg:a:USD')).toMatchObject({
      pending: { count: 0, amount: '0' },
      approved: { count: 1, amount: '733' },
      denied: { count: 0, amount: '0' },
      reversed: { count: 0, amount: '0' },
    });
    expect(view.get(PROGRAM_TOTALS, 'prg:USD')).toMatchObject({ approved: { count: 2, amount: '1233' }, denied: { count: 0, amount: '0' }, pending: { count: 0, amount: '0' } });
  });

  it('reopen after a refund made while denied: the catch-up reversal lands in reversed, and the totals still add up to what was created', () => {
    const refund = (amount?: string): TransactionCommand => ({ type: 'RefundTransaction', refundId: `r${amount ?? 'all'}`, amount });
    const view = fold(recorded(create, deny, refund('33.33'), reopen, approve, refund()));
    const a = view.get(COMMISSION_TOTALS, 'prg:a:USD') as unknown as Record<string, { count: number; amount: string }>;
    expect(a).toMatchObject({ pending: { amount: '0' }, approved: { amount: '0' }, denied: { count: 0, amount: '0' }, reversed: { count: 2, amount: '733' } });
    expect(sum(a)).toBe(733);
    const program = view.get(PROGRAM_TOTALS, 'prg:USD') as unknown as Record<string, { amount: string }>;
    expect(sum(program)).toBe(733 + 500);
    expect(view.get(CONVERSIONS, 'prg:cv_VDE')).toMatchObject({
      status: 'APPROVED',
      refundedMinor: 10001,
      commissions: [
        { partnerId: 'a', level: 1, amountMinor: 733, reversedMinor: 733 },
        { partnerId: 'b', level: 2, amountMinor: 500, reversedMinor: 500 },
      ],
    });
  });

  it('a reopened conversion can be denied again: totals follow each move', () => {
    const view = fold(recorded(create, deny, reopen, deny));
    expect(view.get(COMMISSION_TOTALS, 'prg:b:USD')).toMatchObject({ pending: { count: 0, amount: '0' }, denied: { count: 1, amount: '500' } });
    expect(view.get(CONVERSIONS, 'prg:cv_VDE')).toMatchObject({ status: 'DENIED', reason: 'self-referral' });
  });
});
