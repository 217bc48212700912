import { addReversals, assertNever, LEDGER_EVENT_TYPES, type LedgerEvent, type LedgerEventType } from '@partner-ledger/domain';
import { isRecordedOf, type RecordedEvent } from '@partner-ledger/event-store';
import { type AffiliateBody, buildAffiliateBody, buildConversionBody, buildConversionTriggerBody, type ConversionBody, refersionSource, type WebhookPayload } from './bodies.js';
import { EVENT_TOPICS, topicOf } from './topics.js';
import type { ConversionView, CustomerView, PartnerView, ProgramView, TransactionView } from './view-state.js';

/*
 * The publisher's own ordered view of the event stream, from which webhook bodies are built. The
 * view is folded from `$all` in order; a body is computed right after its event is applied, so it
 * shows the world as of that event: never a later name, status or refund.
 */

type ViewEvent = RecordedEvent<LedgerEvent>;
const isViewEvent = (event: RecordedEvent): event is ViewEvent => isRecordedOf<LedgerEvent>(LEDGER_EVENT_TYPES, event);

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
] as const satisfies readonly LedgerEventType[];

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
   * is ignored (returns false), so a re-delivered event cannot move the view backwards. An event
   * that is not a domain event moves the position and changes nothing else.
   */
  apply(event: RecordedEvent): boolean {
    if (this.last && event.position <= this.last.position) return false;
    this.last = { id: event.id, position: event.position };
    if (isViewEvent(event)) this.fold(event);
    return true;
  }

  private fold(event: ViewEvent): void {
    switch (event.type) {
      case 'ProgramCreated': {
        const d = event.data;
        this.programs.set(d.programId, { programId: d.programId, name: d.name, currency: d.currency, commission: { ...d.commission } });
        return;
      }
      case 'PartnerCreated': {
        const d = event.data;
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
        return;
      }
      case 'PartnerDetailsUpdated': {
        const d = event.data;
        const partner = this.partners.get(k(d.programId, d.partnerId));
        if (!partner) return;
        // `changes.details` is the partner's full details after the change (the decider merges).
        const { name, email, details } = d.changes ?? {};
        this.partners.set(k(d.programId, d.partnerId), {
          ...partner,
          ...(name !== undefined ? { name } : {}),
          ...(email !== undefined ? { email } : {}),
          ...(details !== undefined ? { details } : {}),
        });
        return;
      }
      case 'PartnerStatusChanged': {
        const d = event.data;
        const partner = this.partners.get(k(d.programId, d.partnerId));
        if (partner) this.partners.set(k(d.programId, d.partnerId), { ...partner, status: d.to });
        return;
      }
      case 'CustomerCreated': {
        const d = event.data;
        this.customers.set(k(d.programId, d.customerId), { customerId: d.customerId, name: d.name, email: d.email });
        return;
      }
      case 'TransactionRecorded': {
        const d = event.data;
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
        return;
      }
      case 'ConversionCreated': {
        const d = event.data;
        this.conversions.set(k(d.programId, d.conversionId), {
          conversionId: d.conversionId,
          transactionKey: d.transactionKey,
          partnerId: d.partnerId,
          customerId: d.customerId,
          amountMinor: d.amountMinor,
          currency: d.currency,
          status: 'PENDING',
          commissions: d.commissions.map((line) => ({ ...line })),
          reversed: d.commissions.map(() => 0),
          reason: null,
          created: event.created,
          updated: null,
          source: refersionSource(event.metadata),
        });
        const partner = this.partners.get(k(d.programId, d.partnerId));
        if (partner) this.partners.set(k(d.programId, d.partnerId), { ...partner, lastConversionAt: event.created });
        return;
      }
      case 'ConversionApproved':
      case 'ConversionDenied': {
        const d = event.data;
        const conversion = this.conversions.get(k(d.programId, d.conversionId));
        if (!conversion) return;
        this.conversions.set(k(d.programId, d.conversionId), {
          ...conversion,
          status: event.type === 'ConversionApproved' ? 'APPROVED' : 'DENIED',
          reason: event.type === 'ConversionDenied' ? (event.data.reason ?? null) : conversion.reason,
          updated: event.created,
        });
        return;
      }
      case 'TransactionRefunded': {
        const d = event.data;
        const transaction = this.transactions.get(k(d.programId, d.transactionKey));
        if (transaction) this.transactions.set(k(d.programId, d.transactionKey), { ...transaction, refundedMinor: d.refundedTotalMinor });
        const conversion = d.conversionId ? this.conversions.get(k(d.programId, d.conversionId)) : undefined;
        if (conversion && d.conversionId) {
          const reversed = addReversals(conversion.commissions, conversion.reversed, d.reversals);
          this.conversions.set(k(d.programId, d.conversionId), { ...conversion, reversed, updated: event.created });
        }
        return;
      }
      // Published straight from the event (see payloadFor), or never published: nothing to keep.
      case 'ConversionTriggerCreated':
      case 'ValueReserved':
      case 'ValueReleased':
        return;
      default:
        return assertNever(event);
    }
  }

  /**
   * The topic and body for `event`, from the view as it stands: call it right after `apply(event)`
   * (or use `next`). Throws when another event was applied since, since the body would then show
   * data newer than its event. Null for events that are not published.
   */
  payloadFor(event: RecordedEvent): WebhookPayload | null {
    if (!topicOf(event.type)) return null;
    if (!this.last || this.last.id !== event.id) {
      throw new Error(`payloadFor(${event.id}) must directly follow apply() of that event; the view is at ${this.last?.id ?? 'nothing'}`);
    }
    return isViewEvent(event) ? this.payloadOf(event) : null;
  }

  private payloadOf(event: ViewEvent): WebhookPayload | null {
    switch (event.type) {
      case 'ConversionCreated':
      case 'ConversionApproved':
      case 'ConversionDenied': {
        const body = this.conversionBody(event.data.programId, event.data.conversionId);
        return body ? { topic: EVENT_TOPICS[event.type], body } : null;
      }
      case 'PartnerCreated':
      case 'PartnerStatusChanged':
      case 'PartnerDetailsUpdated': {
        const body = this.affiliateBody(event.data.programId, event.data.partnerId);
        return body ? { topic: EVENT_TOPICS[event.type], body } : null;
      }
      case 'ConversionTriggerCreated':
        return { topic: EVENT_TOPICS[event.type], body: buildConversionTriggerBody(event.data) };
      case 'ProgramCreated':
      case 'CustomerCreated':
      case 'TransactionRecorded':
      case 'TransactionRefunded':
      case 'ValueReserved':
      case 'ValueReleased':
        return null;
      default:
        return assertNever(event);
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
    return buildConversionBody(c, programId, {
      program: this.programs.get(programId),
      partner: this.partners.get(k(programId, c.partnerId)),
      customer: this.customers.get(k(programId, c.customerId)),
      transaction: this.transactions.get(k(programId, c.transactionKey)),
    });
  }

  /** The affiliate body as the view stands, or null for a partner the view never saw. */
  affiliateBody(programId: string, partnerId: string): AffiliateBody | null {
    const p = this.partners.get(k(programId, partnerId));
    return p ? buildAffiliateBody(p, programId, this.programs.get(programId)) : null;
  }
}
