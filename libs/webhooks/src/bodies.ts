import type { EventMetadata } from '@partner-ledger/event-store';
import {
  type CommissionType,
  type ConversionStatus,
  type ConversionTriggerCreated,
  formatAmount,
  loadMinor,
  netCommissions,
  type PartnerStatus,
  type PayoutBatch,
  type PayoutStatus,
  type TriggerType,
} from '@partner-ledger/domain';
import type { ConversionView, CustomerView, PartnerView, ProgramView, TransactionView } from './view-state.js';

/*
 * The Refersion-shaped webhook bodies, built from the publisher view's state. They follow the
 * Refersion samples (fixtures/refersion-*.sample.json) key for key, in the same order and with the
 * same JSON types, except where TYPE_DEVIATIONS says otherwise.
 */

/** Refersion's "never" for dates (`last_login`, `last_conversion`). */
export const NEVER = '0000-00-00 00:00:00';

// ---- body shapes ---------------------------------------------------------------------------------

export interface ConversionBody {
  id: string;
  created: string;
  status: ConversionStatus;
  denied_reason_code: null;
  is_recurring: false;
  total_items: string;
  total: string;
  commission_total: string;
  currency: string;
  is_test_conversion: 'FALSE';
  payment_status: 'UNPAID' | 'PAID';
  updated: string | null;
  affiliate: { id: string; code: string; first_name: string; last_name: string; email: string };
  payment_id: string | null;
  offer: { id: string; name: string; type: CommissionType | ''; amount: string };
  customer: { name: string; email: string; browser_ip: string };
  coupon_code: string | null;
  order_id: string;
  subscription_id: null;
  reason: string | null;
  notes: string | null;
  'product names': string | null;
  click: { created: null; referer: null; landed_url: null; ip: null; sub_id: null; creative_id: null };
  source: string;
}

export interface AffiliateBody {
  id: string;
  code: string;
  status: PartnerStatus;
  last_login: string;
  last_conversion: string;
  first_name: string;
  last_name: string;
  email: string;
  paypal_email: string | null;
  company: string;
  address_1: string;
  address_2: string;
  city: string;
  state: string;
  zip: string;
  country: string;
  phone_number: string;
  source: string;
  custom_fields: { id: string; name: string; value: string }[];
  offer: { id: string; name: string };
  is_marketplace_user: false;
}

export interface ConversionTriggerBody {
  id: string;
  affiliate_id: string;
  trigger: string;
  type: TriggerType;
}

/** Our own body (Refersion has no payouts), in the same style: snake case, Refersion dates, decimal strings. */
export interface PayoutBody {
  id: string;
  status: PayoutStatus;
  currency: string;
  up_to: string;
  total: string;
  reference: string | null;
  created: string;
  updated: string | null;
  offer: { id: string; name: string };
  items: {
    affiliate_id: string;
    code: string;
    email: string;
    first_name: string;
    last_name: string;
    paypal_email: string | null;
    amount: string;
    conversion_ids: string[];
  }[];
}

export type WebhookPayload =
  | { topic: 'NEW_CONVERSION' | 'APPROVED_CONVERSION' | 'DENIED_CONVERSION'; body: ConversionBody }
  | { topic: 'NEW_AFFILIATE' | 'AFFILIATE_STATUS_CHANGE' | 'AFFILIATE_DETAILS_CHANGE'; body: AffiliateBody }
  | { topic: 'NEW_CONVERSION_TRIGGER'; body: ConversionTriggerBody }
  | { topic: 'PAYOUT_CREATED' | 'PAYOUT_PAID' | 'PAYOUT_CANCELLED'; body: PayoutBody };

/** Event metadata `source` → Refersion `source`: api → API, incoming-webhook → INCOMING_WEBHOOK. */
export function refersionSource(metadata: EventMetadata | undefined): string {
  switch (metadata?.source) {
    case 'incoming-webhook':
      return 'INCOMING_WEBHOOK';
    case 'cli':
      return 'CLI';
    case 'system':
      return 'SYSTEM';
    default:
      return 'API';
  }
}

/** Refersion's date format, in UTC: "2020-02-14 18:48:42". */
export function refersionDate(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * "Jean-Claude Van Damme" → first "Jean-Claude", last "Van Damme": the first word is the first
 * name, the rest the last name; a single word has an empty last name.
 */
export function splitName(name: string): { firstName: string; lastName: string } {
  const words = name.trim().split(/\s+/).filter(Boolean);
  return { firstName: words[0] ?? '', lastName: words.slice(1).join(' ') };
}

/** A custom field has no id of its own; its name is unique per partner, so the id derives from it. */
export function customFieldId(name: string): string {
  return `cf_${Buffer.from(name, 'utf8').toString('base64url')}`;
}

/** What a conversion body shows besides the conversion: each as the view has it, if it does. */
export interface ConversionContext {
  program?: ProgramView;
  partner?: PartnerView;
  customer?: CustomerView;
  transaction?: TransactionView;
}

/** The conversion body: the conversion as of its event, with its program, partner, customer and sale. */
export function buildConversionBody(c: ConversionView, programId: string, { program, partner, customer, transaction }: ConversionContext): ConversionBody {
  const level1 = c.commissions.findIndex((line) => line.level === 1 && line.partnerId === c.partnerId);
  const commissionMinor = level1 < 0 ? 0 : netCommissions(c)[level1].amountMinor;
  const names = partner ? partnerNames(partner) : { firstName: '', lastName: '' };
  return {
    id: c.conversionId,
    created: refersionDate(c.created),
    status: c.status,
    denied_reason_code: null,
    is_recurring: false,
    total_items: '1',
    total: formatAmount(c.amountMinor, c.currency),
    commission_total: formatAmount(commissionMinor, c.currency),
    currency: c.currency,
    is_test_conversion: 'FALSE',
    payment_status: c.paidBy ? 'PAID' : 'UNPAID',
    updated: c.updated ? refersionDate(c.updated) : null,
    affiliate: {
      id: c.partnerId,
      code: partner?.key ?? '',
      first_name: names.firstName,
      last_name: names.lastName,
      email: partner?.email ?? '',
    },
    payment_id: c.paidBy ?? null,
    offer: {
      id: programId,
      name: program?.name ?? '',
      type: c.offer?.type ?? program?.commission.type ?? '',
      amount: c.offer?.amount ?? program?.commission.amount ?? '',
    },
    customer: { name: customer?.name ?? '', email: customer?.email ?? '', browser_ip: '' },
    coupon_code: transaction?.couponCode ?? null,
    order_id: c.transactionKey,
    subscription_id: null,
    reason: c.reason,
    notes: conversionNotes(c),
    'product names': transaction?.productId ?? null,
    click: { created: null, referer: null, landed_url: null, ip: null, sub_id: null, creative_id: null },
    source: c.source,
  };
}

/**
 * A flagged conversion's flags and reasons, short and readable, for the body's `notes`:
 * "SELF_REFERRAL: customer_is_partner", a reason about another partner (an upline or downline)
 * naming it, "SELF_REFERRAL: customer_is_upline (ptn_2)", several joined by "; ". Null when unflagged.
 */
export function conversionNotes(c: Pick<ConversionView, 'partnerId' | 'flags' | 'flagReasons'>): string | null {
  const reasons = (c.flagReasons ?? []).map((r) => `${r.flag}: ${r.reason}${r.partnerId === c.partnerId ? '' : ` (${r.partnerId})`}`);
  // A flag recorded without a reason still shows, by name.
  const bare = (c.flags ?? []).filter((flag) => !c.flagReasons?.some((r) => r.flag === flag));
  const notes = [...new Set([...reasons, ...bare])];
  return notes.length ? notes.join('; ') : null;
}

/** The affiliate body: the partner as of its event, with its program's name. */
export function buildAffiliateBody(p: PartnerView, programId: string, program: ProgramView | undefined): AffiliateBody {
  const names = partnerNames(p);
  const details = p.details;
  return {
    id: p.partnerId,
    code: p.key,
    status: p.status,
    last_login: NEVER,
    last_conversion: p.lastConversionAt ? refersionDate(p.lastConversionAt) : NEVER,
    first_name: names.firstName,
    last_name: names.lastName,
    email: p.email,
    paypal_email: details.paypalEmail ?? null,
    company: details.company ?? '',
    address_1: details.address1 ?? '',
    address_2: details.address2 ?? '',
    city: details.city ?? '',
    state: details.state ?? '',
    zip: details.zip ?? '',
    country: details.country ?? '',
    phone_number: details.phone ?? '',
    source: p.source,
    custom_fields: (details.customFields ?? []).map((f) => ({ id: customFieldId(f.name), name: f.name, value: f.value })),
    offer: { id: programId, name: program?.name ?? '' },
    is_marketplace_user: false,
  };
}

/** The conversion trigger body, straight from its event. */
export function buildConversionTriggerBody(d: ConversionTriggerCreated['data']): ConversionTriggerBody {
  return { id: d.triggerId, affiliate_id: d.partnerId, trigger: d.trigger, type: d.type };
}

/** What a payout body shows besides the payout's own event: the payout as created, its program and partners. */
export interface PayoutContext {
  status: PayoutStatus;
  /** The time of the event that confirmed or cancelled it; null for PAYOUT_CREATED. */
  updated: Date | null;
  reference: string | null;
  program?: ProgramView;
  partner: (partnerId: string) => PartnerView | undefined;
}

/** The payout body: the batch as of its event, each item with its partner as the view has it. */
export function buildPayoutBody(d: PayoutBatch, { status, updated, reference, program, partner }: PayoutContext): PayoutBody {
  return {
    id: d.payoutId,
    status,
    currency: d.currency,
    up_to: refersionDate(new Date(d.upTo)),
    total: formatAmount(loadMinor(d.totalMinor), d.currency),
    reference,
    created: refersionDate(new Date(d.createdAt)),
    updated: updated ? refersionDate(updated) : null,
    offer: { id: d.programId, name: program?.name ?? '' },
    items: d.items.map((item) => {
      const p = partner(item.partnerId);
      const names = p ? partnerNames(p) : { firstName: '', lastName: '' };
      return {
        affiliate_id: item.partnerId,
        code: p?.key ?? '',
        email: p?.email ?? '',
        first_name: names.firstName,
        last_name: names.lastName,
        paypal_email: p?.details.paypalEmail ?? null,
        amount: formatAmount(loadMinor(item.amountMinor), d.currency),
        conversion_ids: item.lines.map((line) => line.conversionId),
      };
    }),
  };
}

/** Names from details when given, else split from the partner's `name`; each independently. */
function partnerNames(partner: PartnerView): { firstName: string; lastName: string } {
  const split = splitName(partner.name);
  return {
    firstName: partner.details.firstName ?? split.firstName,
    lastName: partner.details.lastName ?? split.lastName,
  };
}
