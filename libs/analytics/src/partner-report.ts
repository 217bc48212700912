import { formatAmount } from '@partner-ledger/domain';
import type { EventStore } from '@partner-ledger/event-store';
import { partnerAsOf } from '@partner-ledger/projections';
import { COMMISSION_TOTALS, docId, PARTNERS, PROJECTIONS, totalsOf } from '@partner-ledger/projections';
import type { ReadStore } from '@partner-ledger/read-store';
import { BUCKETS } from './simulate.js';

export interface PartnerReport {
  programId: string;
  partnerId: string;
  /** The time asked for, or null for the live read models. */
  asOf: string | null;
  /** Live: the namespace read; as-of: null (folded from the log). */
  namespace: string | null;
  /** Live: the lowest projection checkpoint; as-of: the last event folded. Decimal string or null. */
  position: string | null;
  partner: Record<string, unknown> | null;
  commissionTotals: Record<string, unknown>[];
}

/** A partner read-model document as the API shows it (no `_id`, `pos`, `programId`). */
export function partnerView(doc: Record<string, unknown>): Record<string, unknown> {
  return {
    id: doc.partnerId,
    key: doc.key,
    email: doc.email,
    name: doc.name,
    status: doc.status,
    referringPartnerId: doc.referringPartnerId ?? null,
    details: doc.details ?? {},
    referralCount: doc.referralCount,
    customerCount: doc.customerCount,
    conversionCount: doc.conversionCount,
    lastConversionAt: doc.lastConversionAt ?? null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** Commission totals with amounts as decimal strings in the currency's digits ("149.99"). */
export function totalsView(doc: Record<string, unknown>): Record<string, unknown> {
  const currency = doc.currency as string;
  const out: Record<string, unknown> = { partnerId: doc.partnerId, currency };
  // Either stored form of the amounts (see the conversions projection).
  const totals = totalsOf(doc);
  for (const b of BUCKETS) out[b] = { count: totals[b].count, amount: formatAmount(totals[b].amount, currency) };
  return out;
}

/**
 * A partner and its commission totals: from the live read models (the active namespace) or, with
 * `asOf`, folded from the log up to that time by the read side's own projections.
 */
export async function partnerReport(events: EventStore, store: ReadStore | null, programId: string, partnerId: string, asOf?: Date): Promise<PartnerReport> {
  if (asOf) {
    const state = await partnerAsOf(events, programId, partnerId, asOf);
    return {
      programId,
      partnerId,
      asOf: asOf.toISOString(),
      namespace: null,
      position: state.position === null ? null : String(state.position),
      partner: state.partner ? partnerView(state.partner) : null,
      commissionTotals: state.commissionTotals.map(totalsView),
    };
  }
  if (!store) throw new Error('the live read models need a read store');
  const namespace = await store.activeNamespace();
  const doc = await store.get(namespace, PARTNERS, docId(programId, partnerId));
  const totals = await store.find(namespace, COMMISSION_TOTALS, {
    where: { programId, partnerId },
    orderBy: [{ field: 'currency', direction: 'asc' }],
    limit: 1000,
  });
  const checkpoints = await Promise.all(PROJECTIONS.map((p) => store.getCheckpoint(namespace, p.name)));
  const positions = checkpoints.map((c) => c.position);
  const position = positions.some((p) => p === null) ? null : positions.reduce((a, b) => (b! < a! ? b : a));
  return {
    programId,
    partnerId,
    asOf: null,
    namespace,
    position: position === null ? null : String(position),
    partner: doc ? partnerView(doc) : null,
    commissionTotals: totals.map(totalsView),
  };
}
