import type { CommissionLine, CommissionType, ConversionFlag, ConversionStatus, FlagReason, PartnerDetails, PartnerStatus } from '@partner-ledger/domain';

/*
 * The publisher view's state: programs, partners, customers, transactions and conversions as of the
 * last event folded. Webhook bodies are built from these.
 */

export interface ProgramView {
  programId: string;
  name: string;
  currency: string;
  commission: { type: CommissionType; amount: string };
}
export interface PartnerView {
  programId: string;
  partnerId: string;
  key: string;
  email: string;
  name: string;
  status: PartnerStatus;
  details: PartnerDetails;
  /** Refersion `source` of the partner: where the PartnerCreated command came from. */
  source: string;
  lastConversionAt: Date | null;
}
export interface CustomerView {
  customerId: string;
  name: string;
  email: string;
}
export interface TransactionView {
  transactionKey: string;
  amountMinor: number;
  currency: string;
  customerId: string;
  productId: string | null;
  productType: string | null;
  couponCode: string | null;
  refundedMinor: number;
}
export interface ConversionView {
  conversionId: string;
  transactionKey: string;
  partnerId: string;
  customerId: string;
  amountMinor: number;
  currency: string;
  status: ConversionStatus;
  /** Commission lines as created; `reversed` holds what refunds took back from each. */
  commissions: CommissionLine[];
  reversed: number[];
  reason: string | null;
  created: Date;
  updated: Date | null;
  source: string;
  /**
   * The level-1 rate the conversion was priced at (its plan's commission, or its product's rate):
   * the body's `offer`, right also after a plan change. Absent from conversions folded before it
   * existed, whose program had one plan: the program's commission then.
   */
  offer?: { type: CommissionType; amount: string };
  /** The flags the sale was recorded with and why (the body's `notes`); absent when none, as before flags existed. */
  flags?: ConversionFlag[];
  flagReasons?: FlagReason[];
  /**
   * The confirmed payout that paid the conversion's commission to its partner (the body's
   * `payment_id`, `payment_status` PAID); absent while unpaid, and in documents folded before it existed.
   */
  paidBy?: string;
}
