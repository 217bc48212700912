import { proportion } from '../money/rate.js';
import type { CommissionLine } from '../program/commission-plan.js';

/**
 * A conversion's commission lines and what refunds took back from each: the one place refunds are
 * priced and folded into commission lines. The decider, the read models, the webhook bodies and the
 * what-if simulation all go through these functions, so they agree to the minor unit.
 */
export interface ReversibleCommissions {
  status: 'PENDING' | 'APPROVED' | 'DENIED';
  commissions: CommissionLine[];
  /** Cumulative reversal per commission line, same order as `commissions`. */
  reversed: number[];
}

/**
 * What a refund bringing the refunded total to `refundedTotalMinor` (of a sale of `saleMinor`) takes
 * back from each line. Reversals are cumulative shares of each line minus what was already taken
 * back, so after a full refund they add up to the line exactly. A denied conversion owes nothing,
 * so a refund has nothing to take back. Lines with nothing to take back are left out.
 */
export function refundReversals(conversion: ReversibleCommissions, refundedTotalMinor: number, saleMinor: number): CommissionLine[] {
  if (conversion.status === 'DENIED') return [];
  return conversion.commissions
    .map((line, i) => ({ ...line, amountMinor: proportion(line.amountMinor, refundedTotalMinor, saleMinor) - conversion.reversed[i] }))
    .filter((line) => line.amountMinor > 0);
}

/** `reversed` (one cumulative amount per line of `commissions`) after a refund's `reversals`. */
export function addReversals(commissions: CommissionLine[], reversed: number[], reversals: CommissionLine[]): number[] {
  return commissions.map((line, i) => reversed[i] + reversals.filter((r) => r.level === line.level && r.partnerId === line.partnerId).reduce((sum, r) => sum + r.amountMinor, 0));
}

/** Commission lines still owed after refunds. */
export function netCommissions(conversion: Pick<ReversibleCommissions, 'commissions' | 'reversed'>): CommissionLine[] {
  return conversion.commissions.map((line, i) => ({ ...line, amountMinor: line.amountMinor - conversion.reversed[i] }));
}
