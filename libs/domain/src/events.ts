import type { ConversionTriggerEvent } from './conversion-trigger/conversion-trigger.js';
import type { CustomerEvent } from './customer/customer.js';
import type { PurchaseCountEvent } from './customer/purchase-count.js';
import type { PartnerEvent } from './partner/partner.js';
import type { PayoutEvent } from './payout/payout.js';
import type { ProgramEvent } from './program/program.js';
import type { ReservationEvent } from './reservation/reservation.js';
import type { TransactionEvent } from './transaction/transaction.js';

/**
 * Every event the deciders write: the event log's vocabulary. Read models, webhook bodies and
 * analytics fold these, narrowed by `type`, so renaming a field breaks the build where it is read.
 */
export type LedgerEvent = ProgramEvent | PartnerEvent | CustomerEvent | ConversionTriggerEvent | ReservationEvent | TransactionEvent | PayoutEvent | PurchaseCountEvent;
export type LedgerEventType = LedgerEvent['type'];
/** The member of the union with this type. */
export type LedgerEventOf<T extends LedgerEventType> = Extract<LedgerEvent, { type: T }>;

/** One key per event type: a type added to the union must be added here too, or the build fails. */
const TYPES: Record<LedgerEventType, true> = {
  ProgramCreated: true,
  CommissionPlanChanged: true,
  PartnerCreated: true,
  PartnerDetailsUpdated: true,
  PartnerStatusChanged: true,
  CustomerCreated: true,
  ConversionTriggerCreated: true,
  ValueReserved: true,
  ValueReleased: true,
  TransactionRecorded: true,
  ConversionCreated: true,
  ConversionApproved: true,
  ConversionDenied: true,
  ConversionReopened: true,
  TransactionRefunded: true,
  PayoutCreated: true,
  PayoutPaid: true,
  PayoutCancelled: true,
  CustomerPurchaseCounted: true,
};

/** The type names of `LedgerEvent`, to tell a ledger event from any other in a log read at runtime. */
export const LEDGER_EVENT_TYPES: ReadonlySet<LedgerEventType> = new Set(Object.keys(TYPES) as LedgerEventType[]);
