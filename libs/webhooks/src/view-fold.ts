import { addReversals, assertNever, type AutoApprovalRule, type ConversionCreated, LEDGER_EVENT_TYPES, type LedgerEvent, type PayoutBatch } from '@partner-ledger/domain';
import { isRecordedOf, type RecordedEvent } from '@partner-ledger/event-store';
import {
  type AffiliateBody,
  buildAffiliateBody,
  buildConversionBody,
  type ConversionBody,
  buildConversionTriggerBody,
  buildPayoutBody,
  type PayoutBody,
  refersionSource,
  type WebhookPayload,
} from './bodies.js';
import { EVENT_TOPICS, topicOf } from './topics.js';
import type { ConversionView, CustomerView, PartnerView, ProgramView, TransactionView } from './view-state.js';

/*
 * The publisher view's fold and payloads as pure functions over "tables" of view entities, so the
 * same code serves the in-memory view (`PublisherView`, replay and tests) and the persisted one the
 * publisher loads per batch (libs/webhook-runtime): `viewRefsOf` names the entities an event reads
 * or writes, the caller loads those (and the `linkedRefsOf` each conversion), then `foldIntoView`
 * and `payloadFromView` run on exactly what was loaded.
 */

export interface ViewEntities {
  programs: ProgramView;
  partners: PartnerView;
  customers: CustomerView;
  transactions: TransactionView;
  conversions: ConversionView;
}
export type ViewKind = keyof ViewEntities;
export const VIEW_KINDS = ['programs', 'partners', 'customers', 'transactions', 'conversions'] as const satisfies readonly ViewKind[];

/** One entity of the view: programs are keyed by `programId` alone (`id` = programId). */
export interface ViewRef {
  kind: ViewKind;
  programId: string;
  id: string;
}

/** Read and write access to the entities of the view (all of them, or those a batch loaded). */
export interface ViewTables {
  get<K extends ViewKind>(kind: K, programId: string, id: string): ViewEntities[K] | undefined;
  set<K extends ViewKind>(kind: K, programId: string, id: string, value: ViewEntities[K]): void;
}

type ViewEvent = RecordedEvent<LedgerEvent>;
export const isViewEvent = (event: RecordedEvent): event is ViewEvent => isRecordedOf<LedgerEvent>(LEDGER_EVENT_TYPES, event);

const ref = (kind: ViewKind, programId: string, id: string): ViewRef => ({ kind, programId, id });

/**
 * The entities `event` changes or its payload reads, as far as the event names them. A conversion's
 * approval or denial does not name its customer: load the conversion, then its `linkedRefsOf`.
 */
export function viewRefsOf(event: RecordedEvent): ViewRef[] {
  if (!isViewEvent(event)) return [];
  switch (event.type) {
    case 'ProgramCreated':
      return [ref('programs', event.data.programId, event.data.programId)];
    case 'PartnerCreated':
    case 'PartnerDetailsUpdated':
    case 'PartnerStatusChanged': {
      const d = event.data;
      return [ref('programs', d.programId, d.programId), ref('partners', d.programId, d.partnerId)];
    }
    case 'CustomerCreated':
      return [ref('customers', event.data.programId, event.data.customerId)];
    case 'TransactionRecorded':
      return [ref('transactions', event.data.programId, event.data.transactionKey)];
    case 'ConversionCreated': {
      const d = event.data;
      return [
        ref('programs', d.programId, d.programId),
        ref('conversions', d.programId, d.conversionId),
        ref('partners', d.programId, d.partnerId),
        ref('customers', d.programId, d.customerId),
        ref('transactions', d.programId, d.transactionKey),
      ];
    }
    case 'ConversionApproved':
    case 'ConversionDenied':
    case 'ConversionReopened': {
      const d = event.data;
      return [
        ref('programs', d.programId, d.programId),
        ref('conversions', d.programId, d.conversionId),
        ref('partners', d.programId, d.partnerId),
        ref('transactions', d.programId, d.transactionKey),
      ];
    }
    case 'TransactionRefunded': {
      const d = event.data;
      return [ref('transactions', d.programId, d.transactionKey), ...(d.conversionId ? [ref('conversions', d.programId, d.conversionId)] : [])];
    }
    case 'PayoutCreated':
    case 'PayoutCancelled': {
      const d = event.data;
      return [ref('programs', d.programId, d.programId), ...d.items.map((item) => ref('partners', d.programId, item.partnerId))];
    }
    case 'PayoutPaid': {
      const d = event.data;
      const paid = paidLines(d).map((line) => ref('conversions', d.programId, line.conversionId));
      return [ref('programs', d.programId, d.programId), ...d.items.map((item) => ref('partners', d.programId, item.partnerId)), ...paid];
    }
    case 'ConversionTriggerCreated':
    case 'ValueReserved':
    case 'ValueReleased':
    case 'CommissionPlanChanged':
    case 'CustomerPurchaseCounted':
      return [];
    default:
      return assertNever(event);
  }
}

/** What a conversion's body reads besides the conversion itself. */
export function linkedRefsOf(programId: string, conversion: ConversionView): ViewRef[] {
  return [ref('partners', programId, conversion.partnerId), ref('customers', programId, conversion.customerId), ref('transactions', programId, conversion.transactionKey)];
}

/**
 * The lines of a batch that paid commission: a positive amount to a partner for a conversion. A
 * negative line is a clawback netted off (the conversion was paid by an earlier payout).
 */
function paidLines(d: PayoutBatch): { partnerId: string; conversionId: string }[] {
  return d.items.flatMap((item) => item.lines.filter((line) => line.amountMinor > 0).map((line) => ({ partnerId: item.partnerId, conversionId: line.conversionId })));
}

/** An approval by the engine's rule, as a reason: "AUTO_AFTER_HOLD: hold of 30 days passed". */
function ruleReason(rule: AutoApprovalRule): string {
  return `${rule.mode}: hold of ${rule.holdDays} day${rule.holdDays === 1 ? '' : 's'} passed`;
}

/** The level-1 rate a conversion's trace says it was priced at. */
function offerOf(trace: ConversionCreated['data']['trace']): Pick<ConversionView, 'offer'> {
  if (trace.productRate) return { offer: { type: trace.productRate.type, amount: trace.productRate.amount } };
  const level1 = trace.levels?.find((l) => l.level === 1);
  return level1 ? { offer: { type: trace.rule, amount: level1.rate } } : {};
}

/** Folds one event into the view. Order and duplicates are the caller's concern. */
export function foldIntoView(view: ViewTables, event: RecordedEvent): void {
  if (!isViewEvent(event)) return;
  switch (event.type) {
    case 'ProgramCreated': {
      const d = event.data;
      view.set('programs', d.programId, d.programId, { programId: d.programId, name: d.name, currency: d.currency, commission: { ...d.commission } });
      return;
    }
    case 'PartnerCreated': {
      const d = event.data;
      view.set('partners', d.programId, d.partnerId, {
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
      const partner = view.get('partners', d.programId, d.partnerId);
      if (!partner) return;
      // `changes.details` is the partner's full details after the change (the decider merges).
      const { name, email, details } = d.changes ?? {};
      view.set('partners', d.programId, d.partnerId, {
        ...partner,
        ...(name !== undefined ? { name } : {}),
        ...(email !== undefined ? { email } : {}),
        ...(details !== undefined ? { details } : {}),
      });
      return;
    }
    case 'PartnerStatusChanged': {
      const d = event.data;
      const partner = view.get('partners', d.programId, d.partnerId);
      if (partner) view.set('partners', d.programId, d.partnerId, { ...partner, status: d.to });
      return;
    }
    case 'CustomerCreated': {
      const d = event.data;
      view.set('customers', d.programId, d.customerId, { customerId: d.customerId, name: d.name, email: d.email });
      return;
    }
    case 'TransactionRecorded': {
      const d = event.data;
      view.set('transactions', d.programId, d.transactionKey, {
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
      view.set('conversions', d.programId, d.conversionId, {
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
        ...offerOf(d.trace),
        ...(d.flags?.length ? { flags: [...d.flags], flagReasons: (d.flagReasons ?? []).map((r) => ({ ...r })) } : {}),
      });
      const partner = view.get('partners', d.programId, d.partnerId);
      if (partner) view.set('partners', d.programId, d.partnerId, { ...partner, lastConversionAt: event.created });
      return;
    }
    case 'ConversionApproved':
    case 'ConversionDenied': {
      const d = event.data;
      const conversion = view.get('conversions', d.programId, d.conversionId);
      if (!conversion) return;
      view.set('conversions', d.programId, d.conversionId, {
        ...conversion,
        status: event.type === 'ConversionApproved' ? 'APPROVED' : 'DENIED',
        // The decision's reason: a denial's (null when none given), an approval's when one was given,
        // else the engine's rule when it approved.
        reason: event.type === 'ConversionDenied' ? (event.data.reason ?? null) : (event.data.reason ?? (event.data.approval ? ruleReason(event.data.approval) : conversion.reason)),
        updated: event.created,
      });
      return;
    }
    case 'ConversionReopened': {
      const d = event.data;
      const conversion = view.get('conversions', d.programId, d.conversionId);
      if (!conversion) return;
      const reversed = addReversals(conversion.commissions, conversion.reversed, d.reversals);
      view.set('conversions', d.programId, d.conversionId, { ...conversion, status: 'PENDING', reason: null, reversed, updated: event.created });
      return;
    }
    case 'TransactionRefunded': {
      const d = event.data;
      const transaction = view.get('transactions', d.programId, d.transactionKey);
      if (transaction) view.set('transactions', d.programId, d.transactionKey, { ...transaction, refundedMinor: d.refundedTotalMinor });
      const conversion = d.conversionId ? view.get('conversions', d.programId, d.conversionId) : undefined;
      if (conversion && d.conversionId) {
        const reversed = addReversals(conversion.commissions, conversion.reversed, d.reversals);
        view.set('conversions', d.programId, d.conversionId, { ...conversion, reversed, updated: event.created });
      }
      return;
    }
    case 'PayoutPaid': {
      // The conversion's own partner (its level-1 line, the body's commission) was paid: an upline's
      // line paid in the same batch does not make the conversion paid.
      const d = event.data;
      for (const line of paidLines(d)) {
        const conversion = view.get('conversions', d.programId, line.conversionId);
        if (conversion && conversion.partnerId === line.partnerId) view.set('conversions', d.programId, line.conversionId, { ...conversion, paidBy: d.payoutId });
      }
      return;
    }
    // Published straight from the event (see payloadFromView), or never published: nothing to keep.
    // A payout event carries its whole batch, so the view keeps no payouts. A created or cancelled
    // payout paid nothing (a paid payout cannot be cancelled): its conversions stay as they were.
    case 'ConversionTriggerCreated':
    case 'ValueReserved':
    case 'ValueReleased':
    case 'PayoutCreated':
    case 'PayoutCancelled':
    case 'CommissionPlanChanged':
    case 'CustomerPurchaseCounted':
      return;
    default:
      return assertNever(event);
  }
}

/**
 * The topic and body for `event` from the view as it stands: call it right after folding `event`
 * (and nothing later), so the body shows the data as of its event. Null for events not published.
 */
export function payloadFromView(view: ViewTables, event: RecordedEvent): WebhookPayload | null {
  if (!topicOf(event.type) || !isViewEvent(event)) return null;
  switch (event.type) {
    case 'ConversionCreated':
    case 'ConversionApproved':
    case 'ConversionDenied': {
      const body = conversionBodyFrom(view, event.data.programId, event.data.conversionId);
      return body ? { topic: EVENT_TOPICS[event.type], body } : null;
    }
    case 'PartnerCreated':
    case 'PartnerStatusChanged':
    case 'PartnerDetailsUpdated': {
      const body = affiliateBodyFrom(view, event.data.programId, event.data.partnerId);
      return body ? { topic: EVENT_TOPICS[event.type], body } : null;
    }
    case 'ConversionTriggerCreated':
      return { topic: EVENT_TOPICS[event.type], body: buildConversionTriggerBody(event.data) };
    case 'PayoutCreated':
      return { topic: EVENT_TOPICS[event.type], body: payoutBodyFrom(view, event.data, { status: 'DRAFT', updated: null, reference: null }) };
    case 'PayoutPaid':
      return { topic: EVENT_TOPICS[event.type], body: payoutBodyFrom(view, event.data, { status: 'PAID', updated: event.created, reference: event.data.reference }) };
    case 'PayoutCancelled':
      return { topic: EVENT_TOPICS[event.type], body: payoutBodyFrom(view, event.data, { status: 'CANCELLED', updated: event.created, reference: null }) };
    case 'ProgramCreated':
    case 'CustomerCreated':
    case 'TransactionRecorded':
    case 'TransactionRefunded':
    case 'ValueReserved':
    case 'ValueReleased':
    case 'CommissionPlanChanged':
    case 'CustomerPurchaseCounted':
      return null;
    case 'ConversionReopened':
      // Refersion has no topic for a conversion going back to pending, and NEW_CONVERSION would have
      // receivers count it twice: the next APPROVED_CONVERSION or DENIED_CONVERSION tells them.
      return null;
    default:
      return assertNever(event);
  }
}

/** The conversion body as the view stands, or null for a conversion the view never saw. */
export function conversionBodyFrom(view: ViewTables, programId: string, conversionId: string): ConversionBody | null {
  const c = view.get('conversions', programId, conversionId);
  if (!c) return null;
  return buildConversionBody(c, programId, {
    program: view.get('programs', programId, programId),
    partner: view.get('partners', programId, c.partnerId),
    customer: view.get('customers', programId, c.customerId),
    transaction: view.get('transactions', programId, c.transactionKey),
  });
}

/** The affiliate body as the view stands, or null for a partner the view never saw. */
export function affiliateBodyFrom(view: ViewTables, programId: string, partnerId: string): AffiliateBody | null {
  const p = view.get('partners', programId, partnerId);
  return p ? buildAffiliateBody(p, programId, view.get('programs', programId, programId)) : null;
}

/** The payout body from its event, with its program and partners as the view stands. */
function payoutBodyFrom(view: ViewTables, d: Parameters<typeof buildPayoutBody>[0], state: Pick<Parameters<typeof buildPayoutBody>[1], 'status' | 'updated' | 'reference'>): PayoutBody {
  return buildPayoutBody(d, { ...state, program: view.get('programs', d.programId, d.programId), partner: (partnerId) => view.get('partners', d.programId, partnerId) });
}
