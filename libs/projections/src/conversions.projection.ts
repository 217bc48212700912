import {
  addReversals,
  loadMinor,
  minorOrderKey,
  storeMinor,
  assertNever,
  type LedgerEventType,
  type CommissionLine,
  type ConversionApproved,
  type ConversionCreated,
  type ConversionDenied,
  type ConversionReopened,
  type PayoutPaid,
  type TransactionRefunded,
} from '@partner-ledger/domain';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { type Doc, docId, type DocRef, type Projection, type RecordedLedgerEvent } from './projection.js';

export const CONVERSIONS = 'conversions';
export const COMMISSION_TOTALS = 'commission_totals';
export const PROGRAM_TOTALS = 'program_totals';

/** A bucket as folded: the amount is a sum of many lines, exact only as BigInt. */
export interface Bucket {
  count: number;
  amount: bigint;
}
/**
 * Commission by status, in minor units. A line moves from pending to approved or denied with its
 * amount net of reversals; a refund moves the reversed share into `reversed`. So for every partner
 * pending + approved + denied + reversed = all commission ever created, which the conservation test
 * checks against the event log.
 *
 * Stored, each bucket is `{count, amount}` with `amount` a decimal string of minor units
 * (storeMinor), and `approvedOrder` orders partners by approved amount (minorOrderKey): a string
 * amount would sort "9" after "10". Documents written with numbers load as they are (loadMinor)
 * and are written back as strings by their next event; `approvedOrder` comes with that write or a
 * rebuild of `conversions`.
 */
export interface Totals {
  pending: Bucket;
  approved: Bucket;
  denied: Bucket;
  reversed: Bucket;
  paid: Bucket;
}
export const TOTALS_BUCKETS = ['pending', 'approved', 'denied', 'reversed', 'paid'] as const satisfies readonly (keyof Totals)[];

/** A stored bucket folded: documents written before payouts existed have no `paid` bucket (nothing was paid then). */
const load = (b: unknown): Bucket => {
  const stored = b as { count: number; amount: unknown } | undefined;
  return { count: stored?.count ?? 0, amount: loadMinor(stored?.amount) };
};

/** A totals document's buckets, from what it stores (either form). */
export const totalsOf = (doc: Record<string, unknown>): Totals => Object.fromEntries(TOTALS_BUCKETS.map((b) => [b, load(doc[b])])) as unknown as Totals;

const storeTotals = (totals: Totals) => ({
  ...Object.fromEntries(TOTALS_BUCKETS.map((b) => [b, { count: totals[b].count, amount: storeMinor(totals[b].amount) }])),
  approvedOrder: minorOrderKey(totals.approved.amount),
});

const emptyTotals = (): Totals => totalsOf({});

interface ConversionLine extends CommissionLine {
  reversedMinor: number;
}

type ConversionEvent = RecordedEvent<ConversionCreated | ConversionApproved | ConversionDenied | ConversionReopened | TransactionRefunded>;
type TotalsEvent = ConversionEvent | RecordedEvent<PayoutPaid>;

/** The events this projection folds, or null for the others: every event type is named here. */
function conversionEvent(e: RecordedLedgerEvent): TotalsEvent | null {
  switch (e.type) {
    case 'ConversionCreated':
    case 'ConversionApproved':
    case 'ConversionDenied':
    case 'ConversionReopened':
    case 'TransactionRefunded':
    case 'PayoutPaid':
      return e;
    case 'ProgramCreated':
    case 'PartnerCreated':
    case 'PartnerDetailsUpdated':
    case 'PartnerStatusChanged':
    case 'CustomerCreated':
    case 'ConversionTriggerCreated':
    case 'ValueReserved':
    case 'ValueReleased':
    case 'TransactionRecorded':
    case 'PayoutCreated':
    case 'PayoutCancelled':
    case 'CommissionPlanChanged':
    case 'CustomerPurchaseCounted':
      return null;
    default:
      return assertNever(e);
  }
}

/** The commission lines an event moves: a refund moves its reversals (a reopen's are among its lines). */
function linesOf(e: ConversionEvent): CommissionLine[] {
  switch (e.type) {
    case 'ConversionCreated':
    case 'ConversionApproved':
    case 'ConversionDenied':
    case 'ConversionReopened':
      return e.data.commissions;
    case 'TransactionRefunded':
      return e.data.reversals;
    default:
      return assertNever(e);
  }
}

export const conversionsProjection: Projection = {
  name: 'conversions',
  eventTypes: ['ConversionCreated', 'ConversionApproved', 'ConversionDenied', 'ConversionReopened', 'TransactionRefunded', 'PayoutPaid'] satisfies LedgerEventType[],
  touches(event) {
    const e = conversionEvent(event);
    if (!e) return [];
    if (e.type === 'PayoutPaid') {
      const d = e.data;
      return [
        ...d.items.map((item) => ({ collection: COMMISSION_TOTALS, id: docId(d.programId, item.partnerId, d.currency) })),
        { collection: PROGRAM_TOTALS, id: docId(d.programId, d.currency) },
      ];
    }
    const d = e.data;
    if (!d.conversionId) return []; // a refund of a sale without a conversion
    const lines = linesOf(e);
    const partners = [...new Set(lines.map((l) => l.partnerId))];
    return [
      { collection: CONVERSIONS, id: docId(d.programId, d.conversionId) },
      ...partners.map((p) => ({ collection: COMMISSION_TOTALS, id: docId(d.programId, p, d.currency) })),
      ...(lines.length ? [{ collection: PROGRAM_TOTALS, id: docId(d.programId, d.currency) }] : []),
    ];
  },
  apply(ref, doc, event) {
    const e = conversionEvent(event);
    if (!e) return doc;
    if (e.type === 'PayoutPaid') return ref.collection === CONVERSIONS ? doc : applyTotals(ref, doc, e);
    return ref.collection === CONVERSIONS ? applyConversion(ref, doc, e) : applyTotals(ref, doc, e);
  },
};

/**
 * `paid` counts the commission lines paid payouts settled (a clawback netted off counts as one) and
 * their amount. Approved is already net of refunds, so `approved - paid` is the balance still owed:
 * negative after a refund of commission already paid (a clawback), until a payout nets it off.
 */
function applyTotals(ref: DocRef, doc: Doc | null, e: TotalsEvent): Doc {
  const d = e.data;
  const partnerId = ref.collection === COMMISSION_TOTALS ? ref.id.split(':')[1] : null;
  const base: Doc = doc ?? {
    _id: ref.id,
    programId: d.programId,
    ...(partnerId ? { partnerId } : {}),
    currency: d.currency,
    ...storeTotals(emptyTotals()),
  };
  // Fresh buckets (the stored ones are never changed in place): a plain load, as Node 20's
  // structuredClone goes through a MessageChannel and was the costliest step of a rebuild's fold.
  const totals = totalsOf(base);
  const mine = (lines: CommissionLine[]) => lines.filter((l) => partnerId === null || l.partnerId === partnerId);
  const move = (lines: CommissionLine[], from: keyof Totals | null, to: keyof Totals) => {
    for (const line of mine(lines)) {
      if (from) {
        totals[from].count -= 1;
        totals[from].amount -= BigInt(line.amountMinor);
      }
      totals[to].count += 1;
      totals[to].amount += BigInt(line.amountMinor);
    }
  };
  switch (e.type) {
    case 'ConversionCreated':
      move(e.data.commissions, null, 'pending');
      break;
    case 'ConversionApproved':
      move(e.data.commissions, 'pending', 'approved');
      break;
    case 'ConversionDenied':
      move(e.data.commissions, 'pending', 'denied');
      break;
    case 'ConversionReopened':
      // Back from denied what was denied, then what refunds made meanwhile take back from pending.
      move(e.data.commissions, 'denied', 'pending');
      for (const line of mine(e.data.reversals)) {
        totals.pending.amount -= BigInt(line.amountMinor);
        totals.reversed.count += 1;
        totals.reversed.amount += BigInt(line.amountMinor);
      }
      break;
    case 'PayoutPaid':
      for (const item of e.data.items) {
        if (partnerId !== null && item.partnerId !== partnerId) continue;
        totals.paid.count += item.lines.length;
        totals.paid.amount += loadMinor(item.amountMinor);
      }
      break;
    case 'TransactionRefunded': {
      const from: keyof Totals = e.data.conversionStatus === 'APPROVED' ? 'approved' : 'pending';
      for (const line of mine(e.data.reversals)) {
        totals[from].amount -= BigInt(line.amountMinor);
        totals.reversed.count += 1;
        totals.reversed.amount += BigInt(line.amountMinor);
      }
      break;
    }
    default:
      return assertNever(e);
  }
  return { ...base, ...storeTotals(totals), updatedAt: e.created.toISOString() };
}

function applyConversion(ref: DocRef, doc: Doc | null, e: ConversionEvent): Doc | null {
  const at = e.created.toISOString();
  switch (e.type) {
    case 'ConversionCreated': {
      const d = e.data;
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
        commissions: d.commissions.map((l): ConversionLine => ({ ...l, reversedMinor: 0 })),
        flags: d.flags ?? [],
        flagReasons: d.flagReasons ?? [],
        // A scalar to filter on (`?flagged=`): the read store matches fields, not list members.
        flagged: (d.flags ?? []).length > 0,
        // Only under an AUTO_AFTER_HOLD rule (absent keeps other documents as they were).
        ...(d.approval ? { approval: d.approval } : {}),
        createdAt: at,
        seq: Number(e.position),
        updatedAt: at,
      };
    }
    case 'ConversionApproved':
      return doc && { ...doc, status: 'APPROVED', updatedAt: at };
    case 'ConversionDenied':
      return doc && { ...doc, status: 'DENIED', reason: e.data.reason, updatedAt: at };
    case 'ConversionReopened':
      // The denial's reason no longer applies; the conversion's history keeps it.
      return doc && { ...doc, status: 'PENDING', reason: null, commissions: withReversals(doc, e.data.reversals), updatedAt: at };
    case 'TransactionRefunded': {
      if (!doc) return null;
      return { ...doc, commissions: withReversals(doc, e.data.reversals), refundedMinor: e.data.refundedTotalMinor, updatedAt: at };
    }
    default:
      return assertNever(e);
  }
}

/** A conversion document's lines after `reversals`. */
function withReversals(doc: Doc, reversals: CommissionLine[]): ConversionLine[] {
  const lines = doc.commissions as ConversionLine[];
  const reversed = addReversals(
    lines,
    lines.map((l) => l.reversedMinor),
    reversals,
  );
  return lines.map((line, i) => ({ ...line, reversedMinor: reversed[i] }));
}
