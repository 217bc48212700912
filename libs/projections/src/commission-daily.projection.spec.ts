import { describe, expect, it } from '@jest/globals';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { SqliteReadStore } from '@partner-ledger/read-store';
import { COMMISSION_DAILY, commissionDailyProjection } from './commission-daily.projection.js';
import { ProjectionRunner } from './projection-runner.js';

let position = 0;
function rec(type: string, at: string, data: Record<string, unknown>): RecordedEvent {
  position += 1;
  return { id: `e${position}`, streamName: 's', revision: 0n, position: BigInt(position), type, data: { programId: 'prg', currency: 'USD', ...data }, metadata: {}, created: new Date(at) };
}
const lines = (...amounts: number[]) => amounts.map((amountMinor, i) => ({ partnerId: `p${i}`, level: i + 1, amountMinor }));
const created = (at: string, key: string, ...amounts: number[]) =>
  rec('ConversionCreated', at, {
    conversionId: `cv_${key}`,
    transactionKey: key,
    partnerId: 'p0',
    customerId: 'c',
    amountMinor: 10000,
    status: 'PENDING',
    commissions: lines(...amounts),
    trace: {},
  });
const approved = (at: string, key: string, ...amounts: number[]) =>
  rec('ConversionApproved', at, { conversionId: `cv_${key}`, transactionKey: key, partnerId: 'p0', commissions: lines(...amounts) });
const refunded = (at: string, key: string, ...amounts: number[]) =>
  rec('TransactionRefunded', at, {
    transactionKey: key,
    refundId: `r${position}`,
    amountMinor: 100,
    refundedTotalMinor: 100,
    fullyRefunded: false,
    conversionId: `cv_${key}`,
    conversionStatus: 'APPROVED',
    reversals: lines(...amounts),
  });

describe('commission-daily projection: commission over time', () => {
  /** Given these events, the days' documents, in day order. */
  const daysAfter = async (...events: RecordedEvent[]) => {
    const store = SqliteReadStore.open(':memory:');
    const es = SqliteEventStore.open(':memory:');
    await new ProjectionRunner(es, store, commissionDailyProjection, { namespace: 'rm1' }).applyBatch(events);
    const docs = await store.find('rm1', COMMISSION_DAILY, { where: { programId: 'prg' }, orderBy: [{ field: 'day', direction: 'asc' }], limit: 100 });
    await es.close();
    await store.close();
    return docs.map(({ day, currency, earned, approved, reversed }) => ({ day, currency, earned, approved, reversed }));
  };

  it('counts each flow on the UTC day it happened, every commission level summed', async () => {
    expect(
      await daysAfter(
        created('2026-03-01T23:59:59Z', 'A', 1000, 300),
        created('2026-03-02T00:00:00Z', 'B', 500),
        approved('2026-03-02T10:00:00Z', 'A', 1000, 300),
        refunded('2026-03-04T10:00:00Z', 'A', 100, 30),
      ),
    ).toEqual([
      { day: '2026-03-01', currency: 'USD', earned: { count: 1, amount: '1300' }, approved: { count: 0, amount: '0' }, reversed: { count: 0, amount: '0' } },
      { day: '2026-03-02', currency: 'USD', earned: { count: 1, amount: '500' }, approved: { count: 1, amount: '1300' }, reversed: { count: 0, amount: '0' } },
      { day: '2026-03-04', currency: 'USD', earned: { count: 0, amount: '0' }, approved: { count: 0, amount: '0' }, reversed: { count: 1, amount: '130' } },
    ]);
  });

  it('adds exactly past 2^53 minor units, and a refund that takes nothing back touches no day', async () => {
    const big = 9_000_000_000_000_000;
    const events = [created('2026-03-01T01:00:00Z', 'A', big), created('2026-03-01T02:00:00Z', 'B', big), created('2026-03-01T03:00:00Z', 'C', 1), refunded('2026-03-05T10:00:00Z', 'C')];
    const [day, ...rest] = await daysAfter(...events);
    expect(day.earned).toEqual({ count: 3, amount: String(2n * BigInt(big) + 1n) });
    expect(rest).toEqual([]);
  });
});
