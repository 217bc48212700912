import {
  assertNever,
  type CommissionLine,
  type ConversionApproved,
  type ConversionCreated,
  type LedgerEventType,
  loadMinor,
  storeMinor,
  type TransactionRefunded,
} from '@partner-ledger/domain';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { type Doc, docId, type Projection, type RecordedLedgerEvent } from './projection.js';

export const COMMISSION_DAILY = 'commission_daily';

/** What a day's document counts: conversions and the commission of all their levels. */
export const DAILY_MEASURES = ['earned', 'approved', 'reversed'] as const;
export type DailyMeasure = (typeof DAILY_MEASURES)[number];

type DailyEvent = RecordedEvent<ConversionCreated | ConversionApproved | TransactionRefunded>;

/** The events this projection folds, or null for the others: every event type is named here. */
function dailyEvent(e: RecordedLedgerEvent): DailyEvent | null {
  switch (e.type) {
    case 'ConversionCreated':
    case 'ConversionApproved':
    case 'TransactionRefunded':
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
    case 'ConversionDenied':
    case 'ConversionReopened':
    case 'CommissionPlanChanged':
    case 'CustomerPurchaseCounted':
    case 'PayoutCreated':
    case 'PayoutPaid':
    case 'PayoutCancelled':
      return null;
    default:
      return assertNever(e);
  }
}

/** The UTC day of an event, `YYYY-MM-DD`: the day the engine recorded it. */
export const dayOf = (at: Date) => at.toISOString().slice(0, 10);

/**
 * Commission over time, for the console's chart: one document per (program, currency, UTC day)
 * with what was **earned** that day (conversions created, their commission at every level), what
 * was **approved** that day (by a person or the engine) and what refunds **reversed** that day.
 * Flows by the day they happened, not balances: a conversion created on Monday and approved on
 * Friday counts as earned on Monday and approved on Friday. Amounts are exact (minor units stored
 * as strings, see storeMinor). One document per day keeps a year's chart to 365 reads.
 */
export const commissionDailyProjection: Projection = {
  name: 'commission-daily',
  eventTypes: ['ConversionCreated', 'ConversionApproved', 'TransactionRefunded'] satisfies LedgerEventType[],
  touches(event) {
    const e = dailyEvent(event);
    if (!e) return [];
    if (e.type === 'TransactionRefunded' && e.data.reversals.length === 0) return [];
    return [{ collection: COMMISSION_DAILY, id: docId(e.data.programId, e.data.currency, dayOf(e.created)) }];
  },
  apply(ref, doc, event) {
    const e = dailyEvent(event);
    if (!e) return doc;
    const base: Doc = doc ?? { _id: ref.id, programId: e.data.programId, currency: e.data.currency, day: dayOf(e.created), ...emptyDay() };
    const add = (measure: DailyMeasure, lines: CommissionLine[]) => {
      const bucket = base[measure] as { count: number; amount: string };
      const sum = lines.reduce((total, line) => total + BigInt(line.amountMinor), 0n);
      return { ...base, [measure]: { count: bucket.count + 1, amount: storeMinor(loadMinor(bucket.amount) + sum) }, updatedAt: e.created.toISOString() };
    };
    switch (e.type) {
      case 'ConversionCreated':
        return add('earned', e.data.commissions);
      case 'ConversionApproved':
        return add('approved', e.data.commissions);
      case 'TransactionRefunded':
        return add('reversed', e.data.reversals);
      default:
        return assertNever(e);
    }
  },
};

export function emptyDay(): Record<DailyMeasure, { count: number; amount: string }> {
  return { earned: { count: 0, amount: storeMinor(0n) }, approved: { count: 0, amount: storeMinor(0n) }, reversed: { count: 0, amount: storeMinor(0n) } };
}
