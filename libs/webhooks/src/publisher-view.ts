import type { EventMetadata, RecordedEvent } from '@partner-ledger/event-store';
import type { CommissionLine, CommissionType } from '@partner-ledger/domain';
import type { ConversionStatus } from '@partner-ledger/domain';
import type { PartnerDetails, PartnerStatus } from '@partner-ledger/domain';
import type { TriggerType } from '@partner-ledger/domain';
import { formatAmount } from '@partner-ledger/domain';
import { type Topic, topicOf } from './topics.js';
import type { JsonType } from './incoming/json-paths.js';

/*
 * The publisher's own ordered view of the event stream, and the Refersion-shaped bodies built from
 * it. The view is folded from `$all` in order; a body is computed right after its event is applied,
 * so it shows the world as of that event: never a later name, status or refund.
 *
 * Bodies follow the Refersion samples (fixtures/refersion-*.sample.json) key for key, in the same
 * order and with the same JSON types, except where TYPE_DEVIATIONS says otherwise.
 */


export interface TypeDeviation {
  /** The type in Refersion's sample. */
  sample: JsonType;
  /** The type(s) our body carries at that key. */
  ours: JsonType[];
  why: string;
}

const STRING_ID = (what: string): TypeDeviation => ({
  sample: 'number',
  ours: ['string'],
  why: `our ${what} ids are strings (client-chosen or generated, e.g. "cv_…"), Refersion's are integers`,
});
const CONVERSION_DEVIATIONS: Readonly<Record<string, TypeDeviation>> = {
  id: STRING_ID('conversion'),
  'offer.id': STRING_ID('program'),
  'click.created': { sample: 'string', ours: ['null'], why: 'we track no clicks: every click field is null' },
  'click.landed_url': { sample: 'string', ours: ['null'], why: 'we track no clicks: every click field is null' },
  'click.ip': { sample: 'string', ours: ['null'], why: 'we track no clicks: every click field is null' },
};
const AFFILIATE_DEVIATIONS: Readonly<Record<string, TypeDeviation>> = { id: STRING_ID('partner') };
const TRIGGER_DEVIATIONS: Readonly<Record<string, TypeDeviation>> = { id: STRING_ID('conversion trigger') };

/**
 * Keys (dot paths; an array's elements share the array's path) whose JSON type differs from the
 * Refersion sample for that topic (`src/fixtures/`). A key the sample shows as `null` only says it is nullable: ours is
 * then `null` or a string (see NULLABLE_AS).
 */
export const TYPE_DEVIATIONS: Readonly<Record<Topic, Readonly<Record<string, TypeDeviation>>>> = {
  NEW_CONVERSION: CONVERSION_DEVIATIONS,
  APPROVED_CONVERSION: CONVERSION_DEVIATIONS,
  DENIED_CONVERSION: CONVERSION_DEVIATIONS,
  NEW_AFFILIATE: AFFILIATE_DEVIATIONS,
  AFFILIATE_STATUS_CHANGE: AFFILIATE_DEVIATIONS,
  AFFILIATE_DETAILS_CHANGE: AFFILIATE_DEVIATIONS,
  NEW_CONVERSION_TRIGGER: TRIGGER_DEVIATIONS,
};
/** Types a key may carry where the sample shows `null`. */
export const NULLABLE_AS: readonly JsonType[] = ['null', 'string'];

/** Which Refersion sample (`src/fixtures/`) each topic's body follows. */
export const SAMPLE_OF_TOPIC: Readonly<Record<Topic, 'conversion' | 'affiliate' | 'conversion-trigger'>> = {
  NEW_CONVERSION: 'conversion',
  APPROVED_CONVERSION: 'conversion',
  DENIED_CONVERSION: 'conversion',
  NEW_AFFILIATE: 'affiliate',
  AFFILIATE_STATUS_CHANGE: 'affiliate',
  AFFILIATE_DETAILS_CHANGE: 'affiliate',
  NEW_CONVERSION_TRIGGER: 'conversion-trigger',
};

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
  payment_status: 'UNPAID';
  updated: string | null;
  affiliate: { id: string; code: string; first_name: string; last_name: string; email: string };
  payment_id: null;
  offer: { id: string; name: string; type: CommissionType | ''; amount: string };
  customer: { name: string; email: string; browser_ip: string };
  coupon_code: string | null;
  order_id: string;
  subscription_id: null;
  reason: string | null;
  notes: null;
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

export type WebhookPayload =
  | { topic: 'NEW_CONVERSION' | 'APPROVED_CONVERSION' | 'DENIED_CONVERSION'; body: ConversionBody }
  | { topic: 'NEW_AFFILIATE' | 'AFFILIATE_STATUS_CHANGE' | 'AFFILIATE_DETAILS_CHANGE'; body: AffiliateBody }
  | { topic: 'NEW_CONVERSION_TRIGGER'; body: ConversionTriggerBody };

// ---- view state ----------------------------------------------------------------------------------

export interface ProgramView {
  programId: string;
  name: string;
  currency: string;
  commission: { type: CommissionType; amount: string };
}
export interface PartnerView {
  programId: string;
  partnerId: string;
  key: string;
  email: string;
  name: string;
  status: PartnerStatus;
  details: PartnerDetails;
  /** Refersion `source` of the partner: where the PartnerCreated command came from. */
  source: string;
  lastConversionAt: Date | null;
}
export interface CustomerView {
  customerId: string;
  name: string;
  email: string;
}
export interface TransactionView {
  transactionKey: string;
  amountMinor: number;
  currency: string;
  customerId: string;
  productId: string | null;
  productType: string | null;
  couponCode: string | null;
  refundedMinor: number;
}
export interface ConversionView {
  conversionId: string;
  transactionKey: string;
  partnerId: string;
  customerId: string;
  amountMinor: number;
  currency: string;
  status: ConversionStatus;
  /** Commission lines as created; `reversed` holds what refunds took back from each. */
  commissions: CommissionLine[];
  reversed: number[];
  reason: string | null;
  created: Date;
  updated: Date | null;
  source: string;
}

/** The event types the view folds (the publisher's `$all` filter must let these through). */
export const VIEW_EVENT_TYPES = [
  'ProgramCreated',
  'PartnerCreated',
  'PartnerDetailsUpdated',
  'PartnerStatusChanged',
  'CustomerCreated',
  'TransactionRecorded',
  'ConversionCreated',
  'ConversionApproved',
  'ConversionDenied',
  'TransactionRefunded',
  'ConversionTriggerCreated',
] as const;

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

const k = (programId: string, id: string) => `${programId}\u0000${id}`;

export class PublisherView {
  private readonly programs = new Map<string, ProgramView>();
  private readonly partners = new Map<string, PartnerView>();
  private readonly customers = new Map<string, CustomerView>();
  private readonly transactions = new Map<string, TransactionView>();
  private readonly conversions = new Map<string, ConversionView>();
  private last: { id: string; position: bigint } | null = null;

  /** Position of the last event applied, or null before the first. */
  get position(): bigint | null {
    return this.last?.position ?? null;
  }

  /**
   * Folds one event. Events must come in `$all` order: one at or before the last position applied
   * is ignored (returns false), so a re-delivered event cannot move the view backwards.
   */
  apply(event: RecordedEvent): boolean {
    if (this.last && event.position <= this.last.position) return false;
    this.last = { id: event.id, position: event.position };
    const d = event.data;
    switch (event.type) {
      case 'ProgramCreated':
        this.programs.set(d.programId, { programId: d.programId, name: d.name, currency: d.currency, commission: { ...d.commission } });
        break;
      case 'PartnerCreated':
        this.partners.set(k(d.programId, d.partnerId), {
          programId: d.programId,
          partnerId: d.partnerId,
          key: d.key,
          email: d.email,
          name: d.name,
          status: d.status,
          details: d.details ?? {},
          source: refersionSource(event.metadata),
          lastConversionAt: null,
        });
        break;
      case 'PartnerDetailsUpdated': {
        const partner = this.partners.get(k(d.programId, d.partnerId));
        if (!partner) break;
        // `changes.details` is the partner's full details after the change (the decider merges).
        const { name, email, details } = d.changes ?? {};
        this.partners.set(k(d.programId, d.partnerId), {
          ...partner,
          ...(name !== undefined ? { name } : {}),
          ...(email !== undefined ? { email } : {}),
          ...(details !== undefined ? { details } : {}),
        });
        break;
      }
      case 'PartnerStatusChanged': {
        const partner = this.partners.get(k(d.programId, d.partnerId));
        if (partner) this.partners.set(k(d.programId, d.partnerId), { ...partner, status: d.to });
        break;
      }
      case 'CustomerCreated':
        this.customers.set(k(d.programId, d.customerId), { customerId: d.customerId, name: d.name, email: d.email });
        break;
      case 'TransactionRecorded':
        this.transactions.set(k(d.programId, d.transactionKey), {
          transactionKey: d.transactionKey,
          amountMinor: d.amountMinor,
          currency: d.currency,
          customerId: d.customerId,
          productId: d.productId ?? null,
          productType: d.productType ?? null,
          couponCode: d.couponCode ?? null,
          refundedMinor: 0,
        });
        break;
      case 'ConversionCreated': {
        this.conversions.set(k(d.programId, d.conversionId), {
          conversionId: d.conversionId,
          transactionKey: d.transactionKey,
          partnerId: d.partnerId,
          customerId: d.customerId,
          amountMinor: d.amountMinor,
          currency: d.currency,
          status: 'PENDING',
          commissions: d.commissions.map((line: CommissionLine) => ({ ...line })),
          reversed: d.commissions.map(() => 0),
          reason: null,
          created: event.created,
          updated: null,
          source: refersionSource(event.metadata),
        });
        const partner = this.partners.get(k(d.programId, d.partnerId));
        if (partner) this.partners.set(k(d.programId, d.partnerId), { ...partner, lastConversionAt: event.created });
        break;
      }
      case 'ConversionApproved':
      case 'ConversionDenied': {
        const conversion = this.conversions.get(k(d.programId, d.conversionId));
        if (!conversion) break;
        this.conversions.set(k(d.programId, d.conversionId), {
          ...conversion,
          status: event.type === 'ConversionApproved' ? 'APPROVED' : 'DENIED',
          reason: event.type === 'ConversionDenied' ? (d.reason ?? null) : conversion.reason,
          updated: event.created,
        });
        break;
      }
      case 'TransactionRefunded': {
        const transaction = this.transactions.get(k(d.programId, d.transactionKey));
        if (transaction) this.transactions.set(k(d.programId, d.transactionKey), { ...transaction, refundedMinor: d.refundedTotalMinor });
        const conversion = d.conversionId ? this.conversions.get(k(d.programId, d.conversionId)) : undefined;
        if (conversion) {
          const reversed = conversion.commissions.map(
            (line, i) =>
              conversion.reversed[i] +
              (d.reversals as CommissionLine[])
                .filter((r) => r.level === line.level && r.partnerId === line.partnerId)
                .reduce((sum, r) => sum + r.amountMinor, 0),
          );
          this.conversions.set(k(d.programId, d.conversionId), { ...conversion, reversed, updated: event.created });
        }
        break;
      }
      default:
        break;
    }
    return true;
  }

  /**
   * The topic and body for `event`, from the view as it stands: call it right after `apply(event)`
   * (or use `next`). Throws when another event was applied since, since the body would then show
   * data newer than its event. Null for events that are not published.
   */
  payloadFor(event: RecordedEvent): WebhookPayload | null {
    const topic = topicOf(event.type);
    if (!topic) return null;
    if (!this.last || this.last.id !== event.id) {
      throw new Error(`payloadFor(${event.id}) must directly follow apply() of that event; the view is at ${this.last?.id ?? 'nothing'}`);
    }
    const d = event.data;
    switch (topic) {
      case 'NEW_CONVERSION':
      case 'APPROVED_CONVERSION':
      case 'DENIED_CONVERSION': {
        const body = this.conversionBody(d.programId, d.conversionId);
        return body ? { topic, body } : null;
      }
      case 'NEW_AFFILIATE':
      case 'AFFILIATE_STATUS_CHANGE':
      case 'AFFILIATE_DETAILS_CHANGE': {
        const body = this.affiliateBody(d.programId, d.partnerId);
        return body ? { topic, body } : null;
      }
      case 'NEW_CONVERSION_TRIGGER':
        return { topic, body: { id: d.triggerId, affiliate_id: d.partnerId, trigger: d.trigger, type: d.type } };
    }
  }

  /** `apply(event)` then `payloadFor(event)`; null when the event was already applied. */
  next(event: RecordedEvent): WebhookPayload | null {
    return this.apply(event) ? this.payloadFor(event) : null;
  }

  program(programId: string): ProgramView | undefined {
    return this.programs.get(programId);
  }
  partner(programId: string, partnerId: string): PartnerView | undefined {
    return this.partners.get(k(programId, partnerId));
  }
  customer(programId: string, customerId: string): CustomerView | undefined {
    return this.customers.get(k(programId, customerId));
  }
  transaction(programId: string, transactionKey: string): TransactionView | undefined {
    return this.transactions.get(k(programId, transactionKey));
  }
  conversion(programId: string, conversionId: string): ConversionView | undefined {
    return this.conversions.get(k(programId, conversionId));
  }

  /** The conversion body as the view stands, or null for a conversion the view never saw. */
  conversionBody(programId: string, conversionId: string): ConversionBody | null {
    const c = this.conversions.get(k(programId, conversionId));
    if (!c) return null;
    const program = this.programs.get(programId);
    const partner = this.partners.get(k(programId, c.partnerId));
    const customer = this.customers.get(k(programId, c.customerId));
    const transaction = this.transactions.get(k(programId, c.transactionKey));
    const level1 = c.commissions.findIndex((line) => line.level === 1 && line.partnerId === c.partnerId);
    const commissionMinor = level1 < 0 ? 0 : c.commissions[level1].amountMinor - c.reversed[level1];
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
      payment_status: 'UNPAID',
      updated: c.updated ? refersionDate(c.updated) : null,
      affiliate: {
        id: c.partnerId,
        code: partner?.key ?? '',
        first_name: names.firstName,
        last_name: names.lastName,
        email: partner?.email ?? '',
      },
      payment_id: null,
      offer: {
        id: programId,
        name: program?.name ?? '',
        type: program?.commission.type ?? '',
        amount: program?.commission.amount ?? '',
      },
      customer: { name: customer?.name ?? '', email: customer?.email ?? '', browser_ip: '' },
      coupon_code: transaction?.couponCode ?? null,
      order_id: c.transactionKey,
      subscription_id: null,
      reason: c.reason,
      notes: null,
      'product names': transaction?.productId ?? null,
      click: { created: null, referer: null, landed_url: null, ip: null, sub_id: null, creative_id: null },
      source: c.source,
    };
  }

  /** The affiliate body as the view stands, or null for a partner the view never saw. */
  affiliateBody(programId: string, partnerId: string): AffiliateBody | null {
    const p = this.partners.get(k(programId, partnerId));
    if (!p) return null;
    const program = this.programs.get(programId);
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
}

/** Names from details when given, else split from the partner's `name`; each independently. */
function partnerNames(partner: PartnerView): { firstName: string; lastName: string } {
  const split = splitName(partner.name);
  return {
    firstName: partner.details.firstName ?? split.firstName,
    lastName: partner.details.lastName ?? split.lastName,
  };
}
