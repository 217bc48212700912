import { type Actor, formatAmount, loadMinor, notFound, type PayoutBatch, type PayoutState, type PayoutStatus } from '@partner-ledger/domain';
import type { Versioned } from './etag.js';
import { position } from './http.js';
import type { Handled } from './stream-runner.js';

/** A payout as the payout stream's state and the `payouts` read model both hold it. */
export interface PayoutRecord extends PayoutBatch {
  status: PayoutStatus;
  reference: string | null;
  confirmedBy: Actor | null;
  cancelledBy: Actor | null;
  paidAt: string | null;
  cancelledAt: string | null;
}

/** The one response shape of a payout (docs/http-api.md "Payouts"): amounts as decimal strings. */
export function payoutView(p: PayoutRecord) {
  return {
    id: p.payoutId,
    status: p.status,
    currency: p.currency,
    upTo: p.upTo,
    items: p.items.map((item) => ({ partnerId: item.partnerId, amount: formatAmount(loadMinor(item.amountMinor), p.currency), conversionIds: item.lines.map((line) => line.conversionId) })),
    total: formatAmount(loadMinor(p.totalMinor), p.currency),
    reference: p.reference,
    createdAt: p.createdAt,
    createdBy: p.createdBy,
    confirmedBy: p.confirmedBy,
    paidAt: p.paidAt,
    cancelledAt: p.cancelledAt,
    cancelledBy: p.cancelledBy,
  };
}

/** The record of a payout stream's state. */
export const payoutRecordOf = (state: Extract<PayoutState, { exists: true }>): PayoutRecord => ({
  ...state.created,
  status: state.status,
  reference: state.reference,
  confirmedBy: state.confirmedBy,
  cancelledBy: state.cancelledBy,
  paidAt: state.paidAt,
  cancelledAt: state.cancelledAt,
});

/** A confirm's or cancel's answer: the payout after the decision, with its stream revision as ETag. */
export function decidePayout(result: Handled<PayoutState, unknown>): Versioned<Record<string, unknown>> {
  if (!result.state.exists) throw notFound('payout_not_found', 'payout not found');
  return { body: { ...payoutView(payoutRecordOf(result.state)), position: position(result.position) }, revision: result.revision as bigint };
}
