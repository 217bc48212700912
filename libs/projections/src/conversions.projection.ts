import type { CommissionLine } from '@partner-ledger/domain';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { type Doc, docId, type DocRef, type Projection } from './projection.js';

export const CONVERSIONS = 'conversions';
export const COMMISSION_TOTALS = 'commission_totals';
export const PROGRAM_TOTALS = 'program_totals';

export interface Bucket {
  count: number;
  amount: number;
}
/**
 * Commission by status, in minor units. A line moves from pending to approved or denied with its
 * amount net of reversals; a refund moves the reversed share into `reversed`. So for every partner
 * pending + approved + denied + reversed = all commission ever created, which the conservation test
 * checks against the event log.
 */
export interface Totals {
  pending: Bucket;
  approved: Bucket;
  denied: Bucket;
  reversed: Bucket;
}

const copy = (b: unknown): Bucket => ({ count: (b as Bucket).count, amount: (b as Bucket).amount });

const emptyTotals = (): Totals => ({
  pending: { count: 0, amount: 0 },
  approved: { count: 0, amount: 0 },
  denied: { count: 0, amount: 0 },
  reversed: { count: 0, amount: 0 },
});

interface ConversionLine extends CommissionLine {
  reversedMinor: number;
}

export const conversionsProjection: Projection = {
  name: 'conversions',
  eventTypes: ['ConversionCreated', 'ConversionApproved', 'ConversionDenied', 'TransactionRefunded'],
  touches(e) {
    const d = e.data;
    if (e.type === 'TransactionRefunded' && !d.conversionId) return [];
    const lines: CommissionLine[] =
      e.type === 'ConversionCreated' || e.type === 'ConversionApproved' || e.type === 'ConversionDenied'
        ? d.commissions
        : e.type === 'TransactionRefunded'
          ? d.reversals
          : [];
    const partners = [...new Set(lines.map((l) => l.partnerId))];
    return [
      { collection: CONVERSIONS, id: docId(d.programId, d.conversionId) },
      ...partners.map((p) => ({ collection: COMMISSION_TOTALS, id: docId(d.programId, p, d.currency) })),
      ...(lines.length ? [{ collection: PROGRAM_TOTALS, id: docId(d.programId, d.currency) }] : []),
    ];
  },
  apply(ref, doc, e) {
    if (ref.collection === CONVERSIONS) return applyConversion(ref, doc, e);
    const d = e.data;
    const partnerId = ref.collection === COMMISSION_TOTALS ? ref.id.split(':')[1] : null;
    const base: Doc = doc ?? {
      _id: ref.id,
      programId: d.programId,
      ...(partnerId ? { partnerId } : {}),
      currency: d.currency,
      ...emptyTotals(),
    };
    // A plain copy of the four buckets: Node 20's structuredClone goes through a MessageChannel and
    // was the costliest step of a rebuild's fold.
    const totals: Totals = { pending: copy(base.pending), approved: copy(base.approved), denied: copy(base.denied), reversed: copy(base.reversed) };
    const mine = (lines: CommissionLine[]) => lines.filter((l) => partnerId === null || l.partnerId === partnerId);
    const move = (lines: CommissionLine[], from: keyof Totals | null, to: keyof Totals) => {
      for (const line of mine(lines)) {
        if (from) {
          totals[from].count -= 1;
          totals[from].amount -= line.amountMinor;
        }
        totals[to].count += 1;
        totals[to].amount += line.amountMinor;
      }
    };
    switch (e.type) {
      case 'ConversionCreated':
        move(d.commissions, null, 'pending');
        break;
      case 'ConversionApproved':
        move(d.commissions, 'pending', 'approved');
        break;
      case 'ConversionDenied':
        move(d.commissions, 'pending', 'denied');
        break;
      case 'TransactionRefunded': {
        const from: keyof Totals = d.conversionStatus === 'APPROVED' ? 'approved' : 'pending';
        for (const line of mine(d.reversals)) {
          totals[from].amount -= line.amountMinor;
          totals.reversed.count += 1;
          totals.reversed.amount += line.amountMinor;
        }
        break;
      }
    }
    return { ...base, ...totals, updatedAt: e.created.toISOString() };
  },
};

function applyConversion(ref: DocRef, doc: Doc | null, e: RecordedEvent): Doc | null {
  const d = e.data;
  const at = e.created.toISOString();
  if (e.type === 'ConversionCreated') {
    return {
      _id: ref.id,
      programId: d.programId,
      conversionId: d.conversionId,
      transactionKey: d.transactionKey,
      partnerId: d.partnerId,
      customerId: d.customerId,
      amountMinor: d.amountMinor,
      refundedMinor: 0,
      currency: d.currency,
      status: 'PENDING',
      commissions: (d.commissions as CommissionLine[]).map((l): ConversionLine => ({ ...l, reversedMinor: 0 })),
      createdAt: at,
      seq: Number(e.position),
      updatedAt: at,
    };
  }
  if (!doc) return null;
  if (e.type === 'ConversionApproved') return { ...doc, status: 'APPROVED', updatedAt: at };
  if (e.type === 'ConversionDenied') return { ...doc, status: 'DENIED', reason: d.reason, updatedAt: at };
  const commissions = (doc.commissions as ConversionLine[]).map((line) => ({
    ...line,
    reversedMinor:
      line.reversedMinor +
      (d.reversals as CommissionLine[]).filter((r) => r.partnerId === line.partnerId && r.level === line.level).reduce((s, r) => s + r.amountMinor, 0),
  }));
  return { ...doc, commissions, refundedMinor: d.refundedTotalMinor, updatedAt: at };
}
