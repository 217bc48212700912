import { assertNever, type LedgerEventType, type ConversionCreated, type CustomerCreated, type PartnerCreated, type PartnerEvent } from '@partner-ledger/domain';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { type Doc, docId, type DocRef, type Projection, type RecordedLedgerEvent } from './projection.js';

export const PARTNERS = 'partners';
export const CUSTOMERS = 'customers';

/**
 * Partners and customers as their current state, with the counts a partner dashboard needs: how many
 * partners and customers it referred, its conversions and when the last one came in.
 */
type PartnersEvent = RecordedEvent<PartnerEvent | CustomerCreated | ConversionCreated>;

/** The events this projection folds, or null for the others: every event type is named here. */
function partnersEvent(e: RecordedLedgerEvent): PartnersEvent | null {
  switch (e.type) {
    case 'PartnerCreated':
    case 'PartnerDetailsUpdated':
    case 'PartnerStatusChanged':
    case 'CustomerCreated':
    case 'ConversionCreated':
      return e;
    case 'ProgramCreated':
    case 'ConversionTriggerCreated':
    case 'ValueReserved':
    case 'ValueReleased':
    case 'TransactionRecorded':
    case 'ConversionApproved':
    case 'ConversionDenied':
    case 'ConversionReopened':
    case 'TransactionRefunded':
    case 'PayoutCreated':
    case 'PayoutPaid':
    case 'PayoutCancelled':
    case 'CommissionPlanChanged':
    case 'CustomerPurchaseCounted':
      return null;
    default:
      return assertNever(e);
  }
}

export const partnersProjection: Projection = {
  name: 'partners',
  eventTypes: ['PartnerCreated', 'PartnerDetailsUpdated', 'PartnerStatusChanged', 'CustomerCreated', 'ConversionCreated'] satisfies LedgerEventType[],
  touches(event) {
    const e = partnersEvent(event);
    if (!e) return [];
    const { programId } = e.data;
    switch (e.type) {
      case 'PartnerCreated':
        return [
          { collection: PARTNERS, id: docId(programId, e.data.partnerId) },
          ...(e.data.referringPartnerId ? [{ collection: PARTNERS, id: docId(programId, e.data.referringPartnerId) }] : []),
        ];
      case 'PartnerDetailsUpdated':
      case 'PartnerStatusChanged':
      case 'ConversionCreated':
        return [{ collection: PARTNERS, id: docId(programId, e.data.partnerId) }];
      case 'CustomerCreated':
        return [{ collection: CUSTOMERS, id: docId(programId, e.data.customerId) }, ...(e.data.partnerId ? [{ collection: PARTNERS, id: docId(programId, e.data.partnerId) }] : [])];
      default:
        return assertNever(e);
    }
  },
  apply(ref, doc, event) {
    const e = partnersEvent(event);
    if (!e) return doc;
    const at = e.created.toISOString();
    switch (e.type) {
      case 'CustomerCreated':
        if (ref.collection === CUSTOMERS) return customerDoc(ref, e, at);
        return doc && { ...doc, customerCount: (doc.customerCount as number) + 1 };
      case 'PartnerCreated':
        if (ref.id === docId(e.data.programId, e.data.partnerId)) return partnerDoc(ref, doc, e, at);
        // `doc` is the referrer
        return doc && { ...doc, referralCount: (doc.referralCount as number) + 1 };
      case 'PartnerDetailsUpdated':
        return doc && { ...doc, ...e.data.changes, updatedAt: at };
      case 'PartnerStatusChanged':
        return doc && { ...doc, status: e.data.to, updatedAt: at };
      case 'ConversionCreated':
        return doc && { ...doc, conversionCount: (doc.conversionCount as number) + 1, lastConversionAt: at };
      default:
        return assertNever(e);
    }
  },
};

function customerDoc(ref: DocRef, e: RecordedEvent<CustomerCreated>, at: string): Doc {
  const d = e.data;
  return {
    _id: ref.id,
    programId: d.programId,
    customerId: d.customerId,
    key: d.key,
    email: d.email,
    name: d.name,
    partnerId: d.partnerId,
    referringCustomerId: d.referringCustomerId,
    createdAt: at,
    seq: Number(e.position),
  };
}

function partnerDoc(ref: DocRef, doc: Doc | null, e: RecordedEvent<PartnerCreated>, at: string): Doc {
  const d = e.data;
  return {
    _id: ref.id,
    programId: d.programId,
    partnerId: d.partnerId,
    key: d.key,
    email: d.email,
    name: d.name,
    status: d.status,
    referringPartnerId: d.referringPartnerId,
    details: d.details,
    referralCount: doc?.referralCount ?? 0,
    customerCount: doc?.customerCount ?? 0,
    conversionCount: doc?.conversionCount ?? 0,
    lastConversionAt: doc?.lastConversionAt ?? null,
    createdAt: at,
    // Creation order: unique and stable, unlike `createdAt` (two partners in one millisecond).
    seq: Number(e.position),
    updatedAt: at,
  };
}
