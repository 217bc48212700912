import type { LedgerEventType } from '@partner-ledger/domain';
import type { RecordedEvent } from '@partner-ledger/event-store';
import type { AffiliateBody, ConversionBody, WebhookPayload } from './bodies.js';
import { topicOf } from './topics.js';
import { affiliateBodyFrom, conversionBodyFrom, foldIntoView, payloadFromView, type ViewEntities, type ViewKind, type ViewTables } from './view-fold.js';
import type { ConversionView, CustomerView, PartnerView, ProgramView, TransactionView } from './view-state.js';

/*
 * The publisher view held in memory: every entity folded so far, in maps. The fold and payloads are
 * `view-fold.ts`; this adds the `$all` ordering guard. Used where the events folded are bounded (a
 * replay of one program, tests); the publisher keeps its view in the read store instead.
 */

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
  'ConversionReopened',
  'TransactionRefunded',
  'ConversionTriggerCreated',
  'PayoutPaid',
] as const satisfies readonly LedgerEventType[];

const k = (programId: string, id: string) => `${programId}\u0000${id}`;

/** `ViewTables` over one map per kind. */
export class InMemoryViewTables implements ViewTables {
  private readonly maps: { [K in ViewKind]: Map<string, ViewEntities[K]> } = {
    programs: new Map(),
    partners: new Map(),
    customers: new Map(),
    transactions: new Map(),
    conversions: new Map(),
  };

  get<K extends ViewKind>(kind: K, programId: string, id: string): ViewEntities[K] | undefined {
    return this.maps[kind].get(k(programId, id));
  }
  set<K extends ViewKind>(kind: K, programId: string, id: string, value: ViewEntities[K]): void {
    this.maps[kind].set(k(programId, id), value);
  }
}

export class PublisherView {
  private readonly tables = new InMemoryViewTables();
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
    foldIntoView(this.tables, event);
    return true;
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
    return payloadFromView(this.tables, event);
  }

  /** `apply(event)` then `payloadFor(event)`; null when the event was already applied. */
  next(event: RecordedEvent): WebhookPayload | null {
    return this.apply(event) ? this.payloadFor(event) : null;
  }

  program(programId: string): ProgramView | undefined {
    return this.tables.get('programs', programId, programId);
  }
  partner(programId: string, partnerId: string): PartnerView | undefined {
    return this.tables.get('partners', programId, partnerId);
  }
  customer(programId: string, customerId: string): CustomerView | undefined {
    return this.tables.get('customers', programId, customerId);
  }
  transaction(programId: string, transactionKey: string): TransactionView | undefined {
    return this.tables.get('transactions', programId, transactionKey);
  }
  conversion(programId: string, conversionId: string): ConversionView | undefined {
    return this.tables.get('conversions', programId, conversionId);
  }

  /** The conversion body as the view stands, or null for a conversion the view never saw. */
  conversionBody(programId: string, conversionId: string): ConversionBody | null {
    return conversionBodyFrom(this.tables, programId, conversionId);
  }

  /** The affiliate body as the view stands, or null for a partner the view never saw. */
  affiliateBody(programId: string, partnerId: string): AffiliateBody | null {
    return affiliateBodyFrom(this.tables, programId, partnerId);
  }
}
