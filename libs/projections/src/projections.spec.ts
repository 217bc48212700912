import { beforeEach, describe, expect, it } from '@jest/globals';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { SqliteReadStore } from '@partner-ledger/read-store';
import { COMMISSION_TOTALS, CONVERSIONS, conversionsProjection, PROGRAM_TOTALS } from './conversions.projection.js';
import { CUSTOMERS, PARTNERS, partnersProjection } from './partners.projection.js';
import { ProjectionRunner } from './projection-runner.js';

let position = 0;
const at = new Date('2026-03-01T10:00:00.000Z');
function rec(type: string, data: Record<string, unknown>): RecordedEvent {
  position += 1;
  return { id: `e${position}`, streamName: 's', revision: 0n, position: BigInt(position), type, data: { programId: 'prg', ...data }, metadata: {}, created: at };
}

const partner = (partnerId: string, extra: Record<string, unknown> = {}) =>
  rec('PartnerCreated', { partnerId, key: partnerId.toUpperCase(), email: `${partnerId}@x.io`, name: partnerId, status: 'ACTIVE', referringPartnerId: null, details: {}, ...extra });
const conversion = (key: string, commissions: { partnerId: string; level: number; amountMinor: number }[], amountMinor = 10000) =>
  rec('ConversionCreated', {
    conversionId: `cv_${key}`,
    transactionKey: key,
    partnerId: commissions[0].partnerId,
    customerId: 'c1',
    amountMinor,
    currency: 'USD',
    status: 'PENDING',
    commissions,
    trace: {},
  });

describe('projections: from events to read models', () => {
  let store: SqliteReadStore;
  const ns = 'rm1';
  const run = async (...events: RecordedEvent[]) => {
    const es = SqliteEventStore.open(':memory:');
    for (const projection of [partnersProjection, conversionsProjection]) {
      await new ProjectionRunner(es, store, projection, { namespace: ns }).applyBatch(events);
    }
    await es.close();
  };
  const get = (collection: string, id: string) => store.get(ns, collection, id);

  beforeEach(() => {
    store = SqliteReadStore.open(':memory:');
    position = 0;
  });

  it('PartnerCreated makes a partner and counts a referral on its referrer', async () => {
    await run(partner('a'), partner('b', { referringPartnerId: 'a' }));
    expect(await get(PARTNERS, 'prg:a')).toMatchObject({
      partnerId: 'a',
      key: 'A',
      status: 'ACTIVE',
      referralCount: 1,
      customerCount: 0,
      conversionCount: 0,
      lastConversionAt: null,
      pos: 2,
    });
    expect(await get(PARTNERS, 'prg:b')).toMatchObject({ referringPartnerId: 'a', referralCount: 0 });
  });

  it('PartnerDetailsUpdated and PartnerStatusChanged change the partner', async () => {
    await run(
      partner('a'),
      rec('PartnerDetailsUpdated', { partnerId: 'a', changes: { name: 'Ada', email: 'new@x.io', details: { city: 'London' } } }),
      rec('PartnerStatusChanged', { partnerId: 'a', from: 'ACTIVE', to: 'DISABLED', reason: null }),
    );
    expect(await get(PARTNERS, 'prg:a')).toMatchObject({ name: 'Ada', email: 'new@x.io', details: { city: 'London' }, status: 'DISABLED', pos: 3 });
  });

  it('CustomerCreated makes a customer and counts it on its partner', async () => {
    await run(partner('a'), rec('CustomerCreated', { customerId: 'c1', key: 'k1', email: 'c@x.io', name: 'C', partnerId: 'a', referringCustomerId: null }));
    expect(await get(CUSTOMERS, 'prg:c1')).toMatchObject({ customerId: 'c1', key: 'k1', partnerId: 'a' });
    expect(await get(PARTNERS, 'prg:a')).toMatchObject({ customerCount: 1 });
  });

  it('ConversionCreated: a pending conversion, pending commission per partner and program, last conversion on the partner', async () => {
    await run(
      partner('a'),
      partner('b'),
      conversion('t1', [
        { partnerId: 'a', level: 1, amountMinor: 1000 },
        { partnerId: 'b', level: 2, amountMinor: 500 },
      ]),
    );
    expect(await get(CONVERSIONS, 'prg:cv_t1')).toMatchObject({ status: 'PENDING', transactionKey: 't1', amountMinor: 10000, partnerId: 'a' });
    expect(await get(COMMISSION_TOTALS, 'prg:a:USD')).toMatchObject({ partnerId: 'a', pending: { count: 1, amount: '1000' }, approved: { count: 0, amount: '0' } });
    expect(await get(COMMISSION_TOTALS, 'prg:b:USD')).toMatchObject({ pending: { count: 1, amount: '500' } });
    expect(await get(PROGRAM_TOTALS, 'prg:USD')).toMatchObject({ pending: { count: 2, amount: '1500' } });
    expect(await get(PARTNERS, 'prg:a')).toMatchObject({ conversionCount: 1, lastConversionAt: at.toISOString() });
  });

  it('ConversionApproved and ConversionDenied move net commission out of pending', async () => {
    await run(
      partner('a'),
      conversion('t1', [{ partnerId: 'a', level: 1, amountMinor: 1000 }]),
      conversion('t2', [{ partnerId: 'a', level: 1, amountMinor: 300 }]),
      rec('ConversionApproved', { conversionId: 'cv_t1', transactionKey: 't1', partnerId: 'a', currency: 'USD', commissions: [{ partnerId: 'a', level: 1, amountMinor: 1000 }] }),
      rec('ConversionDenied', {
        conversionId: 'cv_t2',
        transactionKey: 't2',
        partnerId: 'a',
        currency: 'USD',
        reason: 'fraud',
        commissions: [{ partnerId: 'a', level: 1, amountMinor: 300 }],
      }),
    );
    expect(await get(CONVERSIONS, 'prg:cv_t1')).toMatchObject({ status: 'APPROVED' });
    expect(await get(CONVERSIONS, 'prg:cv_t2')).toMatchObject({ status: 'DENIED', reason: 'fraud' });
    expect(await get(COMMISSION_TOTALS, 'prg:a:USD')).toMatchObject({
      pending: { count: 0, amount: '0' },
      approved: { count: 1, amount: '1000' },
      denied: { count: 1, amount: '300' },
    });
  });

  it('TransactionRefunded reverses from pending or approved; a refund without conversion touches nothing', async () => {
    await run(
      partner('a'),
      conversion('t1', [{ partnerId: 'a', level: 1, amountMinor: 1000 }]),
      rec('TransactionRefunded', {
        transactionKey: 't1',
        refundId: 'r1',
        amountMinor: 2500,
        refundedTotalMinor: 2500,
        fullyRefunded: false,
        currency: 'USD',
        conversionId: 'cv_t1',
        conversionStatus: 'PENDING',
        reversals: [{ partnerId: 'a', level: 1, amountMinor: 250 }],
      }),
      rec('ConversionApproved', { conversionId: 'cv_t1', transactionKey: 't1', partnerId: 'a', currency: 'USD', commissions: [{ partnerId: 'a', level: 1, amountMinor: 750 }] }),
      rec('TransactionRefunded', {
        transactionKey: 't1',
        refundId: 'r2',
        amountMinor: 7500,
        refundedTotalMinor: 10000,
        fullyRefunded: true,
        currency: 'USD',
        conversionId: 'cv_t1',
        conversionStatus: 'APPROVED',
        reversals: [{ partnerId: 'a', level: 1, amountMinor: 750 }],
      }),
      rec('TransactionRefunded', {
        transactionKey: 'no-conv',
        refundId: 'r3',
        amountMinor: 100,
        refundedTotalMinor: 100,
        fullyRefunded: true,
        currency: 'USD',
        conversionId: null,
        conversionStatus: null,
        reversals: [],
      }),
    );
    expect(await get(CONVERSIONS, 'prg:cv_t1')).toMatchObject({ refundedMinor: 10000, commissions: [{ partnerId: 'a', amountMinor: 1000, reversedMinor: 1000 }] });
    const totals = await get(COMMISSION_TOTALS, 'prg:a:USD');
    expect(totals).toMatchObject({ pending: { count: 0, amount: '0' }, approved: { count: 1, amount: '0' }, reversed: { count: 2, amount: '1000' } });
    expect(await get(PROGRAM_TOTALS, 'prg:USD')).toMatchObject({ reversed: { count: 2, amount: '1000' } });
  });

  it('events of other types only move the checkpoint', async () => {
    await run(rec('ValueReserved', { kind: 'partner-key', value: 'X', ownerId: 'a', at: at.toISOString() }), rec('TransactionRecorded', { transactionKey: 't' }));
    expect(await store.count(ns, PARTNERS)).toBe(0);
    expect((await store.getCheckpoint(ns, 'partners')).position).toBe(2n);
    expect((await store.getCheckpoint(ns, 'conversions')).position).toBe(2n);
  });

  it('re-applying a batch (a crash after the documents but before the checkpoint) counts nothing twice', async () => {
    const events = [partner('a'), conversion('t1', [{ partnerId: 'a', level: 1, amountMinor: 1000 }])];
    await run(...events);
    await run(...events);
    expect(await get(COMMISSION_TOTALS, 'prg:a:USD')).toMatchObject({ pending: { count: 1, amount: '1000' } });
    expect(await get(PARTNERS, 'prg:a')).toMatchObject({ conversionCount: 1 });
  });
});
