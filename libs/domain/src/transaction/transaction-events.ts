import type { Actor } from '../actor.js';
import type { DomainEvent } from '../decider.js';
import type { CommissionLine, CommissionPlan } from '../program/commission-plan.js';
import type { CommissionType } from '../program/commission-rules.js';
import type { AttributionSource } from './attribution.js';
import type { AutoApprovalRule } from './auto-approval.js';
import type { Decision } from './decision.js';
import type { ConversionFlag, FlagReason } from './flags.js';

// The transaction stream's events (the decider is in transaction.ts, which re-exports these).

export type ConversionStatus = 'PENDING' | 'APPROVED' | 'DENIED';

export interface CommissionTrace {
  rule: CommissionPlan['commission']['type'];
  base: number;
  levels: { level: number; partnerId: string | null; rate: string; amountMinor: number; skipped?: 'partner_not_active' | 'no_partner' }[];
  /** Present when the product's own rate priced level 1 (its type may differ from `rule`). */
  productRate?: { productId: string; type: CommissionType; amount: string };
}

export type TransactionRecorded = DomainEvent<
  'TransactionRecorded',
  {
    programId: string;
    transactionKey: string;
    amountMinor: number;
    currency: string;
    customerId: string;
    productId: string | null;
    productType: string | null;
    couponCode: string | null;
    requestHash: string;
    attribution: { source: AttributionSource; partnerId: string; triggerId: string | null } | null;
    /**
     * Why no conversion was created although a partner was attributed: the partner was not ACTIVE,
     * or the sale is outside the plan's commission duration for this customer.
     */
    unattributedReason: 'partner_not_active' | 'commission_duration_ended' | null;
  }
>;
export type ConversionCreated = DomainEvent<
  'ConversionCreated',
  {
    programId: string;
    conversionId: string;
    transactionKey: string;
    partnerId: string;
    customerId: string;
    amountMinor: number;
    currency: string;
    status: 'PENDING';
    commissions: CommissionLine[];
    trace: CommissionTrace;
    /** Present when the sale was flagged (see flags.ts); absent means none, as in older events. */
    flags?: ConversionFlag[];
    flagReasons?: FlagReason[];
    /** Who recorded the sale; absent in older events. */
    actor?: Actor;
    /** The program's AUTO_AFTER_HOLD rule when it was sold (auto-approval.ts); absent: a person approves it. */
    approval?: AutoApprovalRule;
  }
>;
/** `approval`: present when the engine approved it by its AUTO_AFTER_HOLD rule (the actor names the rule), the rule as sold. */
export type ConversionApproved = DomainEvent<
  'ConversionApproved',
  { programId: string; conversionId: string; transactionKey: string; partnerId: string; currency: string; commissions: CommissionLine[]; approval?: AutoApprovalRule } & Decision
>;
export type ConversionDenied = DomainEvent<
  'ConversionDenied',
  { programId: string; conversionId: string; transactionKey: string; partnerId: string; currency: string; reason: string | null; commissions: CommissionLine[]; actor?: Actor }
>;
/**
 * A denied conversion back to PENDING. `commissions` are the lines going back from denied to
 * pending (what was denied); `reversals` what refunds made while it was denied take back now, as
 * they would have had it been pending (empty when there were none).
 */
export type ConversionReopened = DomainEvent<
  'ConversionReopened',
  {
    programId: string;
    conversionId: string;
    transactionKey: string;
    partnerId: string;
    currency: string;
    reason: string | null;
    commissions: CommissionLine[];
    reversals: CommissionLine[];
    actor?: Actor;
  }
>;
export type TransactionRefunded = DomainEvent<
  'TransactionRefunded',
  {
    programId: string;
    transactionKey: string;
    refundId: string;
    amountMinor: number;
    refundedTotalMinor: number;
    fullyRefunded: boolean;
    currency: string;
    conversionId: string | null;
    conversionStatus: ConversionStatus | null;
    /** Commission taken back from each line by this refund, proportional to the amount refunded. */
    reversals: CommissionLine[];
  } & Decision
>;
export type TransactionEvent = TransactionRecorded | ConversionCreated | ConversionApproved | ConversionDenied | ConversionReopened | TransactionRefunded;
