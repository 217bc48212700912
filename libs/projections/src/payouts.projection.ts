import { assertNever, type ConversionApproved, type LedgerEventType, type PayoutEvent, type TransactionRefunded } from '@partner-ledger/domain';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { type Doc, docId, type DocRef, type Projection, type RecordedLedgerEvent } from './projection.js';

export const PAYOUTS = 'payouts';
/**
 * One document per (conversion, partner): the approved commission net of refunds, what paid payouts
 * paid for it and the payout holding it. `open` marks the lines a new payout may take: approved,
 * held by no payout, and owed something (positive) or owing something back (negative, a clawback).
 * It is where the payout command finds its candidates; it verifies each against the streams.
 */
export const PAYOUT_LINES = 'payout_lines';

type PayoutsEvent = RecordedEvent<ConversionApproved | TransactionRefunded | PayoutEvent>;

/** The events this projection folds, or null for the others: every event type is named here. */
function payoutsEvent(e: RecordedLedgerEvent): PayoutsEvent | null {
  switch (e.type) {
    case 'ConversionApproved':
    case 'TransactionRefunded':
    case 'PayoutCreated':
    case 'PayoutPaid':
    case 'PayoutCancelled':
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
    case 'ConversionCreated':
    case 'ConversionDenied':
    case 'ConversionReopened': // only a denied one is reopened: it has no line until approved
    case 'CommissionPlanChanged':
    case 'CustomerPurchaseCounted':
      return null;
    default:
      return assertNever(e);
  }
}

const lineRef = (programId: string, conversionId: string, partnerId: string): DocRef => ({ collection: PAYOUT_LINES, id: docId(programId, conversionId, partnerId) });
const [CONVERSION, PARTNER] = [1, 2];
const partsOf = (ref: DocRef) => ref.id.split(':');

/** Sum per partner of a list of lines (a partner may hold several levels of one conversion). */
function byPartner(lines: { partnerId: string; amountMinor: number }[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const line of lines) sums.set(line.partnerId, (sums.get(line.partnerId) ?? 0) + line.amountMinor);
  return sums;
}

export const payoutsProjection: Projection = {
  name: 'payouts',
  eventTypes: ['ConversionApproved', 'TransactionRefunded', 'PayoutCreated', 'PayoutPaid', 'PayoutCancelled'] satisfies LedgerEventType[],
  touches(event) {
    const e = payoutsEvent(event);
    if (!e) return [];
    const d = e.data;
    switch (e.type) {
      case 'ConversionApproved':
        return [...byPartner(e.data.commissions).keys()].map((p) => lineRef(d.programId, e.data.conversionId, p));
      case 'TransactionRefunded':
        // A refund before approval is already netted in the approval's lines.
        if (e.data.conversionStatus !== 'APPROVED' || !e.data.conversionId) return [];
        return [...byPartner(e.data.reversals).keys()].map((p) => lineRef(d.programId, e.data.conversionId!, p));
      case 'PayoutCreated':
      case 'PayoutPaid':
      case 'PayoutCancelled':
        return [
          { collection: PAYOUTS, id: docId(d.programId, e.data.payoutId) },
          ...e.data.items.flatMap((item) => item.lines.map((line) => lineRef(d.programId, line.conversionId, item.partnerId))),
        ];
      default:
        return assertNever(e);
    }
  },
  apply(ref, doc, event) {
    const e = payoutsEvent(event);
    if (!e) return doc;
    if (ref.collection === PAYOUTS) return e.type === 'ConversionApproved' || e.type === 'TransactionRefunded' ? doc : applyPayout(ref, doc, e);
    const line = applyLine(ref, doc, e);
    return line && { ...line, open: line.approvedAt !== null && line.heldBy === null && line.netMinor !== line.paidMinor };
  },
};

function applyLine(ref: DocRef, doc: Doc | null, e: PayoutsEvent): Doc | null {
  const parts = partsOf(ref);
  const partnerId = parts[PARTNER];
  const at = e.created.toISOString();
  switch (e.type) {
    case 'ConversionApproved': {
      const d = e.data;
      return {
        _id: ref.id,
        programId: d.programId,
        conversionId: d.conversionId,
        partnerId,
        currency: d.currency,
        approvedAt: at,
        netMinor: byPartner(d.commissions).get(partnerId) ?? 0,
        paidMinor: doc?.paidMinor ?? 0,
        heldBy: doc?.heldBy ?? null,
        seq: Number(e.position),
        updatedAt: at,
      };
    }
    case 'TransactionRefunded':
      return doc && { ...doc, netMinor: (doc.netMinor as number) - (byPartner(e.data.reversals).get(partnerId) ?? 0), updatedAt: at };
    case 'PayoutCreated':
    case 'PayoutPaid':
    case 'PayoutCancelled': {
      if (!doc) return null;
      const amount = e.data.items.find((i) => i.partnerId === partnerId)?.lines.find((l) => l.conversionId === parts[CONVERSION])?.amountMinor ?? 0;
      if (e.type === 'PayoutCreated') return { ...doc, heldBy: e.data.payoutId, updatedAt: at };
      if (doc.heldBy !== e.data.payoutId) return doc;
      return { ...doc, heldBy: null, paidMinor: (doc.paidMinor as number) + (e.type === 'PayoutPaid' ? amount : 0), updatedAt: at };
    }
    default:
      return assertNever(e);
  }
}

function applyPayout(ref: DocRef, doc: Doc | null, e: RecordedEvent<PayoutEvent>): Doc | null {
  const at = e.created.toISOString();
  switch (e.type) {
    case 'PayoutCreated':
      return { _id: ref.id, ...e.data, status: 'DRAFT', reference: null, confirmedBy: null, paidAt: null, cancelledAt: null, cancelledBy: null, seq: Number(e.position), updatedAt: at };
    case 'PayoutPaid':
      return doc && { ...doc, status: 'PAID', reference: e.data.reference, confirmedBy: e.data.confirmedBy, paidAt: e.data.paidAt, updatedAt: at };
    case 'PayoutCancelled':
      return doc && { ...doc, status: 'CANCELLED', cancelledAt: e.data.cancelledAt, cancelledBy: e.data.cancelledBy, updatedAt: at };
    default:
      return assertNever(e);
  }
}
