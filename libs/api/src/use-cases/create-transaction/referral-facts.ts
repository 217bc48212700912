import { DOWNLINE_DEPTH, type ReferralFacts } from '@partner-ledger/domain';
import type { Customer, Lookups, Partner } from '../../shared/lookups.js';
import type { ReadSet } from '../../shared/stream-cache.js';

/**
 * What the decider's self-referral check needs (libs/domain transaction/flags.ts), from streams: the
 * emails of the partners the attribution loaded anyway, and whether the buyer is itself a partner
 * (the partner-email reservation of the buyer's email, one stream) with its referrers up to the
 * attributed partner (one partner stream each, at most DOWNLINE_DEPTH). A buyer who is no partner
 * costs one read.
 */
export async function referralFacts(lookups: Lookups, programId: string, customer: Customer, partners: Partner[], reads?: ReadSet): Promise<ReferralFacts> {
  const partnerEmails = Object.fromEntries(partners.map((p) => [p.partnerId, p.email]));
  const attributedId = partners[0]?.partnerId;
  const ownerId = await lookups.owner(programId, 'partner-email', customer.email, reads);
  // A dangling reservation (its partner never written) names no partner.
  const buyer = ownerId ? await lookups.partner(programId, ownerId, reads) : null;
  if (!buyer) return { customerEmail: customer.email, partnerEmails, customerPartner: null };
  if (buyer.partnerId === attributedId) return { customerEmail: customer.email, partnerEmails, customerPartner: { partnerId: buyer.partnerId, upline: [] } };
  const upline: string[] = [];
  const seen = new Set([buyer.partnerId]);
  let next = buyer.referringPartnerId;
  // Up to the attributed partner, which is all the check asks; a cycle or a missing partner ends the walk.
  while (next && upline.length < DOWNLINE_DEPTH && !seen.has(next)) {
    upline.push(next);
    seen.add(next);
    if (next === attributedId) break;
    next = (await lookups.partner(programId, next, reads))?.referringPartnerId ?? null;
  }
  return { customerEmail: customer.email, partnerEmails, customerPartner: { partnerId: buyer.partnerId, upline } };
}
