import type { RecordedEvent } from '@partner-ledger/event-store';
import { type Doc, docId, type Projection } from './projection.js';

export const PARTNERS = 'partners';
export const CUSTOMERS = 'customers';

/**
 * Partners and customers as their current state, with the counts a partner dashboard needs: how many
 * partners and customers it referred, its conversions and when the last one came in.
 */
export const partnersProjection: Projection = {
  name: 'partners',
  eventTypes: ['PartnerCreated', 'PartnerDetailsUpdated', 'PartnerStatusChanged', 'CustomerCreated', 'ConversionCreated'],
  touches(e) {
    const d = e.data;
    switch (e.type) {
      case 'PartnerCreated':
        return [
          { collection: PARTNERS, id: docId(d.programId, d.partnerId) },
          ...(d.referringPartnerId ? [{ collection: PARTNERS, id: docId(d.programId, d.referringPartnerId) }] : []),
        ];
      case 'PartnerDetailsUpdated':
      case 'PartnerStatusChanged':
      case 'ConversionCreated':
        return [{ collection: PARTNERS, id: docId(d.programId, d.partnerId) }];
      case 'CustomerCreated':
        return [
          { collection: CUSTOMERS, id: docId(d.programId, d.customerId) },
          ...(d.partnerId ? [{ collection: PARTNERS, id: docId(d.programId, d.partnerId) }] : []),
        ];
      default:
        return [];
    }
  },
  apply(ref, doc, e) {
    const d = e.data;
    const at = e.created.toISOString();
    if (ref.collection === CUSTOMERS) {
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
    if (e.type === 'PartnerCreated' && ref.id === docId(d.programId, d.partnerId)) {
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
    if (!doc) return null; // an event about a partner this store never saw created: nothing to fold into
    return { ...doc, ...partnerChange(e, doc, at) };
  },
};

function partnerChange(e: RecordedEvent, doc: Doc, at: string): Partial<Doc> {
  const d = e.data;
  switch (e.type) {
    case 'PartnerCreated': // doc is the referrer
      return { referralCount: (doc.referralCount as number) + 1 };
    case 'PartnerDetailsUpdated':
      return { ...d.changes, updatedAt: at };
    case 'PartnerStatusChanged':
      return { status: d.to, updatedAt: at };
    case 'CustomerCreated':
      return { customerCount: (doc.customerCount as number) + 1 };
    case 'ConversionCreated':
      return { conversionCount: (doc.conversionCount as number) + 1, lastConversionAt: at };
    default:
      return {};
  }
}
