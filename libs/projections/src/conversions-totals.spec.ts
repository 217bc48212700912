import { describe, expect, it } from '@jest/globals';
import { type CommissionLine, type LedgerEvent, MAX_MINOR, minorOrderKey } from '@partner-ledger/domain';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { COMMISSION_TOTALS, conversionsProjection, totalsOf } from './conversions.projection.js';
import type { Doc, RecordedLedgerEvent } from './projection.js';

const line = (amountMinor: number): CommissionLine => ({ partnerId: 'a', level: 1, amountMinor });
const at = (i: number) => new Date(Date.UTC(2026, 2, 1, 10, i));
function recorded(i: number, event: LedgerEvent): RecordedLedgerEvent {
  return {
    id: `e${i}`,
    streamName: 's',
    revision: BigInt(i),
    position: BigInt(i + 1),
    type: event.type,
    data: event.data,
    metadata: {},
    created: at(i),
  } as RecordedEvent as RecordedLedgerEvent;
}
const created = (i: number, amountMinor: number) =>
  recorded(i, {
    type: 'ConversionCreated',
    data: {
      programId: 'prg',
      conversionId: `cv_${i}`,
      transactionKey: `t${i}`,
      partnerId: 'a',
      customerId: 'c',
      amountMinor,
      currency: 'USD',
      status: 'PENDING',
      commissions: [line(amountMinor)],
    },
  } as LedgerEvent);
const approved = (i: number, amountMinor: number) =>
  recorded(i, { type: 'ConversionApproved', data: { programId: 'prg', conversionId: `cv_${i}`, transactionKey: `t${i}`, currency: 'USD', commissions: [line(amountMinor)] } } as LedgerEvent);
const ref = { collection: COMMISSION_TOTALS, id: 'prg:a:USD' };
const apply = (doc: Doc | null, e: RecordedLedgerEvent) => conversionsProjection.apply(ref, doc, e) as Doc;

describe('conversions projection: totals as stored', () => {
  it('adds past 2^53 exactly and stores decimal strings with an order key', () => {
    let doc: Doc | null = null;
    for (let i = 0; i < 100; i++) doc = apply(doc, created(i, MAX_MINOR - (i === 0 ? 1 : 0)));
    const pending = 100n * BigInt(MAX_MINOR) - 1n;
    expect(doc).toMatchObject({ pending: { count: 100, amount: pending.toString() }, approved: { count: 0, amount: '0' }, approvedOrder: minorOrderKey(0n) });
    doc = apply(doc, approved(0, MAX_MINOR - 1));
    expect(totalsOf(doc!).pending).toEqual({ count: 99, amount: pending - BigInt(MAX_MINOR - 1) });
    expect(doc).toMatchObject({ approved: { count: 1, amount: String(MAX_MINOR - 1) }, approvedOrder: minorOrderKey(BigInt(MAX_MINOR - 1)) });
  });

  it('loads a document written with numbers (and before payouts) and writes it back as strings', () => {
    const legacy: Doc = {
      _id: ref.id,
      programId: 'prg',
      partnerId: 'a',
      currency: 'USD',
      pending: { count: 2, amount: 1500 },
      approved: { count: 1, amount: 700 },
      denied: { count: 0, amount: 0 },
      reversed: { count: 0, amount: 0 },
    };
    expect(totalsOf(legacy)).toEqual({
      pending: { count: 2, amount: 1500n },
      approved: { count: 1, amount: 700n },
      denied: { count: 0, amount: 0n },
      reversed: { count: 0, amount: 0n },
      paid: { count: 0, amount: 0n },
    });
    expect(apply(legacy, approved(5, 1000))).toMatchObject({
      pending: { count: 1, amount: '500' },
      approved: { count: 2, amount: '1700' },
      paid: { count: 0, amount: '0' },
      approvedOrder: minorOrderKey(1700n),
    });
  });
});
