import { describe, expect, it } from '@jest/globals';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { COMMISSION_TOTALS, conversionsProjection, PROGRAM_TOTALS } from './conversions.projection.js';
import { InMemoryFold } from './fold-in-memory.js';
import { PAYOUT_LINES, PAYOUTS, payoutsProjection } from './payouts.projection.js';

let position = 0;
const at = new Date('2026-03-01T10:00:00.000Z');
function rec(type: string, data: Record<string, unknown>): RecordedEvent {
  position += 1;
  return { id: `e${position}`, streamName: 's', revision: 0n, position: BigInt(position), type, data: { programId: 'prg', currency: 'USD', ...data }, metadata: {}, created: at };
}

const lines = [
  { partnerId: 'a', level: 1, amountMinor: 1000 },
  { partnerId: 'b', level: 2, amountMinor: 500 },
];
const created = (key: string) =>
  rec('ConversionCreated', { conversionId: `cv_${key}`, transactionKey: key, partnerId: 'a', customerId: 'c', amountMinor: 10000, status: 'PENDING', commissions: lines, trace: {} });
const approved = (key: string) => rec('ConversionApproved', { conversionId: `cv_${key}`, transactionKey: key, partnerId: 'a', commissions: lines });
const refunded = (key: string, reversals: typeof lines) =>
  rec('TransactionRefunded', {
    transactionKey: key,
    refundId: 'r',
    amountMinor: 1,
    refundedTotalMinor: 1,
    fullyRefunded: false,
    conversionId: `cv_${key}`,
    conversionStatus: 'APPROVED',
    reversals,
  });
const batch = (payoutId: string, amountMinor: number, claim = 0) => ({
  payoutId,
  upTo: at.toISOString(),
  createdAt: at.toISOString(),
  createdBy: { type: 'ADMIN' },
  items: [{ partnerId: 'a', amountMinor, lines: [{ conversionId: 'cv_t1', amountMinor, claim }] }],
  totalMinor: amountMinor,
});
const payoutCreated = (payoutId: string, amountMinor: number, claim = 0) => rec('PayoutCreated', batch(payoutId, amountMinor, claim));
const payoutPaid = (payoutId: string, amountMinor: number, claim = 0) =>
  rec('PayoutPaid', { ...batch(payoutId, amountMinor, claim), reference: 'R', confirmedBy: { type: 'ADMIN' }, paidAt: at.toISOString() });
const payoutCancelled = (payoutId: string, amountMinor: number) => rec('PayoutCancelled', { ...batch(payoutId, amountMinor), cancelledAt: at.toISOString(), cancelledBy: { type: 'ADMIN' } });

function fold(...events: RecordedEvent[]) {
  const f = new InMemoryFold([conversionsProjection, payoutsProjection]);
  for (const e of events) f.apply(e);
  return f;
}

describe('payouts projection and the paid totals', () => {
  it('a line is open once approved, held (not open) while a draft has it, and open again after a cancel', () => {
    const draft = fold(created('t1'), approved('t1'), payoutCreated('po_1', 1000));
    expect(draft.get(PAYOUT_LINES, 'prg:cv_t1:a')).toMatchObject({ netMinor: 1000, paidMinor: 0, heldBy: 'po_1', open: false, approvedAt: at.toISOString() });
    expect(draft.get(PAYOUT_LINES, 'prg:cv_t1:b')).toMatchObject({ netMinor: 500, heldBy: null, open: true });
    expect(draft.get(PAYOUTS, 'prg:po_1')).toMatchObject({ status: 'DRAFT', totalMinor: 1000, reference: null, paidAt: null });
    const cancelled = fold(created('t1'), approved('t1'), payoutCreated('po_1', 1000), payoutCancelled('po_1', 1000));
    expect(cancelled.get(PAYOUT_LINES, 'prg:cv_t1:a')).toMatchObject({ paidMinor: 0, heldBy: null, open: true });
    expect(cancelled.get(PAYOUTS, 'prg:po_1')).toMatchObject({ status: 'CANCELLED', cancelledAt: at.toISOString() });
  });

  it('paid closes a line; a refund after payment opens it again as a clawback; the totals show paid and keep approved net of refunds', () => {
    const history = [created('t1'), approved('t1'), payoutCreated('po_1', 1000), payoutPaid('po_1', 1000)];
    const paid = fold(...history);
    expect(paid.get(PAYOUT_LINES, 'prg:cv_t1:a')).toMatchObject({ netMinor: 1000, paidMinor: 1000, heldBy: null, open: false });
    expect(paid.get(PAYOUTS, 'prg:po_1')).toMatchObject({ status: 'PAID', reference: 'R', confirmedBy: { type: 'ADMIN' } });
    expect(paid.get(COMMISSION_TOTALS, 'prg:a:USD')).toMatchObject({ approved: { count: 1, amount: '1000' }, paid: { count: 1, amount: '1000' } });
    expect(paid.get(COMMISSION_TOTALS, 'prg:b:USD')).toMatchObject({ approved: { count: 1, amount: '500' }, paid: { count: 0, amount: '0' } });
    expect(paid.get(PROGRAM_TOTALS, 'prg:USD')).toMatchObject({ approved: { amount: '1500' }, paid: { count: 1, amount: '1000' } });

    const clawback = fold(...history, refunded('t1', [{ partnerId: 'a', level: 1, amountMinor: 400 }]));
    expect(clawback.get(PAYOUT_LINES, 'prg:cv_t1:a')).toMatchObject({ netMinor: 600, paidMinor: 1000, open: true });
    expect(clawback.get(COMMISSION_TOTALS, 'prg:a:USD')).toMatchObject({ approved: { amount: '600' }, paid: { amount: '1000' } });

    const netted = fold(...history, refunded('t1', [{ partnerId: 'a', level: 1, amountMinor: 400 }]), payoutCreated('po_2', -400, 1), payoutPaid('po_2', -400, 1));
    expect(netted.get(PAYOUT_LINES, 'prg:cv_t1:a')).toMatchObject({ netMinor: 600, paidMinor: 600, open: false });
    expect(netted.get(COMMISSION_TOTALS, 'prg:a:USD')).toMatchObject({ approved: { amount: '600' }, paid: { count: 2, amount: '600' } });
  });
});
