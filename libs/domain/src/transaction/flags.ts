import type { PartnerSnapshot } from '../partner/partner.js';
import { normalizeMailbox } from '../validation.js';

/**
 * Flags hold a conversion for a person to look at; they never deny it. A flagged conversion is
 * created `PENDING` like any other, carries its flags for good (reopening or approving does not clear
 * them), and is never approved by the engine on its own. More flags will join this list.
 */
export const CONVERSION_FLAGS = ['SELF_REFERRAL'] as const;
export type ConversionFlag = (typeof CONVERSION_FLAGS)[number];

/**
 * Why a flag was raised, naming the partner concerned:
 * - `customer_is_partner`: the buyer's mailbox is the attributed partner's own;
 * - `customer_is_upline`: the buyer's mailbox is that of a referrer the sale pays a tier to;
 * - `customer_is_downline`: the buyer is a partner of the program referred, directly or further
 *   down, by the attributed partner.
 */
export type FlagReasonCode = 'customer_is_partner' | 'customer_is_upline' | 'customer_is_downline';
export interface FlagReason {
  flag: ConversionFlag;
  reason: FlagReasonCode;
  partnerId: string;
}

/** How far up a buying partner's referrers are followed (the deepest tier a plan may have). */
export const DOWNLINE_DEPTH = 10;

/**
 * What the self-referral check needs besides the attribution and chain, looked up by the caller from
 * the streams it loads for the sale anyway (the customer, the attributed partner and its referrers)
 * plus the partner-email reservation of the buyer's email.
 */
export interface ReferralFacts {
  /** The buyer's email, as stored on the customer. */
  customerEmail: string;
  /** The email of the attributed partner and of each partner in the chain, by partner id. */
  partnerEmails: Record<string, string>;
  /**
   * The partner of this program whose email is the buyer's (as reserved), with its referrers' ids
   * nearest first, at most `DOWNLINE_DEPTH`; null when the buyer is no partner.
   */
  customerPartner: { partnerId: string; upline: string[] } | null;
}

/**
 * A sale's self-referral reasons, empty when there is none. `partner` is the attributed partner,
 * `chain` its referrers within the plan's tiers (those the sale may pay).
 */
export function selfReferralReasons(partner: PartnerSnapshot, chain: PartnerSnapshot[], facts: ReferralFacts | undefined): FlagReason[] {
  if (!facts) return [];
  const buyer = normalizeMailbox(facts.customerEmail);
  const isBuyer = (partnerId: string) => {
    const email = facts.partnerEmails[partnerId];
    return facts.customerPartner?.partnerId === partnerId || (email !== undefined && normalizeMailbox(email) === buyer);
  };
  const reasons: FlagReason[] = [];
  if (isBuyer(partner.partnerId)) reasons.push({ flag: 'SELF_REFERRAL', reason: 'customer_is_partner', partnerId: partner.partnerId });
  for (const upline of chain) {
    if (upline.partnerId !== partner.partnerId && isBuyer(upline.partnerId)) {
      reasons.push({ flag: 'SELF_REFERRAL', reason: 'customer_is_upline', partnerId: upline.partnerId });
    }
  }
  const buyerPartner = facts.customerPartner;
  if (buyerPartner && buyerPartner.partnerId !== partner.partnerId && buyerPartner.upline.includes(partner.partnerId)) {
    reasons.push({ flag: 'SELF_REFERRAL', reason: 'customer_is_downline', partnerId: buyerPartner.partnerId });
  }
  return reasons;
}

/** The distinct flags of `reasons`, in `CONVERSION_FLAGS` order. */
export const flagsOf = (reasons: FlagReason[]): ConversionFlag[] => CONVERSION_FLAGS.filter((flag) => reasons.some((r) => r.flag === flag));
