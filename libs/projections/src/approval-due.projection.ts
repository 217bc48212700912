import { assertNever, type ConversionApproved, type ConversionCreated, type ConversionDenied, type LedgerEventType, type TransactionRefunded } from '@partner-ledger/domain';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { type Doc, docId, type Projection, type RecordedLedgerEvent, REMOVE } from './projection.js';

export const APPROVAL_DUE = 'approval_due';

/** A due document is `DUE` until its conversion is decided (or fully refunded); then it is removed. */
export type ApprovalDueStatus = 'DUE';

/**
 * The auto-approver's work list: one document per conversion sold under an AUTO_AFTER_HOLD rule
 * and not flagged, with the time its hold ends (`dueAt`, the `holdUntil` recorded on
 * ConversionCreated). A flagged conversion never gets one: the engine never approves it. It is `DUE` while the conversion can still be approved by the engine, and
 * removed (REMOVE) once it was approved, denied or fully refunded: a reopened conversion does not
 * come back (a person decided it; people approve it from then on). So the collection holds only the
 * open work, whatever the history: the approver's look (DUE, `dueAt` ≤ now) never steps over what
 * was done. It is a hint, not the rule: the approver's command re-checks everything against the
 * conversion's stream.
 */
type DueEvent = RecordedEvent<ConversionCreated | ConversionApproved | ConversionDenied | TransactionRefunded>;

/**
 * The events this projection folds, or null for the others: every event type is named here. A
 * reopened conversion was denied, so its document is closed already, and it stays closed: a person
 * took it back, and people decide it from then on (the decider refuses the engine too).
 */
function dueEvent(e: RecordedLedgerEvent): DueEvent | null {
  switch (e.type) {
    case 'ConversionCreated':
    case 'ConversionApproved':
    case 'ConversionDenied':
    case 'TransactionRefunded':
      return e;
    case 'ProgramCreated':
    case 'PartnerCreated':
    case 'PartnerDetailsUpdated':
    case 'PartnerStatusChanged':
    case 'CustomerCreated':
    case 'ConversionTriggerCreated':
    case 'ValueReserved':
    case 'ValueReleased':
    case 'TransactionRecorded':
    case 'ConversionReopened':
    case 'CommissionPlanChanged':
    case 'CustomerPurchaseCounted':
    case 'PayoutCreated':
    case 'PayoutPaid':
    case 'PayoutCancelled':
      return null;
    default:
      return assertNever(e);
  }
}

export const approvalDueProjection: Projection = {
  name: 'approval-due',
  eventTypes: ['ConversionCreated', 'ConversionApproved', 'ConversionDenied', 'TransactionRefunded'] satisfies LedgerEventType[],
  touches(event) {
    const e = dueEvent(event);
    if (!e) return [];
    const d = e.data;
    switch (e.type) {
      case 'ConversionCreated':
        // Only what the engine may approve gets a document: no rule (MANUAL) or a flag → none.
        return e.data.approval && !e.data.flags?.length ? [{ collection: APPROVAL_DUE, id: docId(d.programId, e.data.conversionId) }] : [];
      case 'ConversionApproved':
      case 'ConversionDenied':
        return [{ collection: APPROVAL_DUE, id: docId(d.programId, e.data.conversionId) }];
      case 'TransactionRefunded':
        return e.data.fullyRefunded && e.data.conversionId ? [{ collection: APPROVAL_DUE, id: docId(d.programId, e.data.conversionId) }] : [];
      default:
        return assertNever(e);
    }
  },
  apply(ref, doc, event) {
    const e = dueEvent(event);
    if (!e) return doc;
    const at = e.created.toISOString();
    switch (e.type) {
      case 'ConversionCreated': {
        const d = e.data;
        if (!d.approval) return doc;
        return {
          _id: ref.id,
          programId: d.programId,
          conversionId: d.conversionId,
          transactionKey: d.transactionKey,
          partnerId: d.partnerId,
          holdDays: d.approval.holdDays,
          dueAt: d.approval.holdUntil,
          status: 'DUE' satisfies ApprovalDueStatus,
          createdAt: at,
          updatedAt: at,
        } satisfies Doc;
      }
      case 'ConversionApproved':
      case 'ConversionDenied':
      case 'TransactionRefunded':
        // Absent: a conversion the engine never had to approve (or one already decided): nothing to do.
        return doc ? REMOVE : null;
      default:
        return assertNever(e);
    }
  },
};
