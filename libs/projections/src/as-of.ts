import { programStreamPrefixes } from '@partner-ledger/domain';
import type { EventStore } from '@partner-ledger/event-store';
import { COMMISSION_TOTALS, docId, InMemoryFold, PARTNERS, PROJECTIONS, readUntil } from './index.js';
import type { Doc } from './projection.js';

export interface PartnerAsOf {
  partner: Doc | null;
  /** One per currency the partner earned in. */
  commissionTotals: Doc[];
  /** Position of the last event folded (null when none). */
  position: bigint | null;
}

/**
 * A partner as it was at `asOf`: its own document and its commission totals, folded from the
 * program's partner, customer and transaction streams by the same projections the read side runs,
 * stopped at the last event created at or before `asOf`.
 */
export async function partnerAsOf(events: EventStore, programId: string, partnerId: string, asOf: Date): Promise<PartnerAsOf> {
  const partnerDoc = docId(programId, partnerId);
  const totalsPrefix = `${docId(programId, partnerId)}:`;
  const fold = new InMemoryFold(PROJECTIONS, (ref) => (ref.collection === PARTNERS ? ref.id === partnerDoc : ref.collection === COMMISSION_TOTALS && ref.id.startsWith(totalsPrefix)));
  let position: bigint | null = null;
  // Payout streams too: a PayoutPaid moves the partner's `paid` totals.
  const prefixes = programStreamPrefixes(programId, ['partner', 'customer', 'transaction', 'payout']);
  for await (const event of readUntil(events, prefixes, asOf)) {
    fold.apply(event);
    position = event.position;
  }
  const commissionTotals = [...fold.docs.entries()]
    .filter(([key]) => key.startsWith(`${COMMISSION_TOTALS}\u0000`))
    .map(([, doc]) => doc)
    .sort((a, b) => a._id.localeCompare(b._id));
  return { partner: fold.get(PARTNERS, partnerDoc), commissionTotals, position };
}
