import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { type ReadStore, SqliteReadStore } from '@partner-ledger/read-store';
import { CONFIG_NAMESPACE } from '../endpoints/endpoint-repository.js';
import { PersistedPublisherView } from './persisted-view.js';

/*
 * The persisted view's conversion documents and what the fields added with payouts and flags read
 * as: a document written before them (no `paidBy`, no `flags`) reads UNPAID with no notes, and a
 * payment folded in one batch is read back by a later one.
 */

const P = 'prg_old';
const CHECKPOINT = 'persisted-view-spec';
const ev = (position: number, type: string, data: Record<string, unknown>): RecordedEvent => ({
  id: `e${position}`,
  streamName: `x-${type}`,
  revision: 0n,
  position: BigInt(position),
  type,
  data,
  metadata: { source: 'api' },
  created: new Date('2026-03-01T12:00:00.000Z'),
});
const lines = [{ partnerId: 'p1', level: 1, amountMinor: 1000 }];
const decision = (position: number, type: 'ConversionApproved' | 'ConversionDenied', extra: Record<string, unknown> = {}) =>
  ev(position, type, { programId: P, conversionId: 'cv_1', transactionKey: 't1', partnerId: 'p1', currency: 'USD', commissions: lines, ...extra });
const batch = { programId: P, payoutId: 'po_1', currency: 'USD', upTo: '2026-03-01T00:00:00.000Z', createdAt: '2026-03-01T00:00:00.000Z', createdBy: { type: 'ADMIN' }, totalMinor: 1000 };
const paid = (position: number) =>
  ev(position, 'PayoutPaid', {
    ...batch,
    items: [{ partnerId: 'p1', amountMinor: 1000, lines: [{ conversionId: 'cv_1', amountMinor: 1000, claim: 0 }] }],
    reference: null,
    confirmedBy: { type: 'ADMIN' },
    paidAt: '2026-03-02T00:00:00.000Z',
  });

describe('the persisted publisher view: payments and flags in conversion documents', () => {
  let dir: string;
  let store: ReadStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pl-persisted-view-'));
    store = await SqliteReadStore.open(join(dir, 'read.db'));
    // What an earlier version of the view left: a conversion without `paidBy`, `flags` or `offer`.
    await store.commit(
      CONFIG_NAMESPACE,
      CHECKPOINT,
      [
        { collection: 'publisher-view.programs', doc: { _id: P, pos: 1, programId: P, name: 'Old', currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' } } },
        {
          collection: 'publisher-view.partners',
          doc: {
            _id: `${P}/p1`,
            pos: 2,
            programId: P,
            partnerId: 'p1',
            key: 'K',
            email: 'p@example.com',
            name: 'P One',
            status: 'ACTIVE',
            details: {},
            source: 'API',
            lastConversionAt: null,
          },
        },
        { collection: 'publisher-view.customers', doc: { _id: `${P}/c1`, pos: 3, customerId: 'c1', name: 'C', email: 'c@example.com' } },
        {
          collection: 'publisher-view.transactions',
          doc: {
            _id: `${P}/t1`,
            pos: 4,
            transactionKey: 't1',
            amountMinor: 10000,
            currency: 'USD',
            customerId: 'c1',
            productId: null,
            productType: null,
            couponCode: null,
            refundedMinor: 0,
          },
        },
        {
          collection: 'publisher-view.conversions',
          doc: {
            _id: `${P}/cv_1`,
            pos: 5,
            conversionId: 'cv_1',
            transactionKey: 't1',
            partnerId: 'p1',
            customerId: 'c1',
            amountMinor: 10000,
            currency: 'USD',
            status: 'PENDING',
            commissions: lines,
            reversed: [0],
            reason: null,
            created: '2026-03-01T10:00:00.000Z',
            updated: null,
            source: 'API',
          },
        },
      ],
      5n,
    );
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a document from before payments and flags reads UNPAID with no notes', async () => {
    const [payload] = await new PersistedPublisherView(store, CONFIG_NAMESPACE).fold([decision(10, 'ConversionApproved')], null);
    expect(payload).toMatchObject({
      topic: 'APPROVED_CONVERSION',
      body: { id: 'cv_1', status: 'APPROVED', payment_status: 'UNPAID', payment_id: null, notes: null, commission_total: '10.00' },
    });
  });

  it('a payment folded and committed in one batch is read back by the next, by a view opened afresh', async () => {
    const first = new PersistedPublisherView(store, CONFIG_NAMESPACE);
    await first.fold([decision(10, 'ConversionApproved'), paid(11)], null);
    await first.commit(CHECKPOINT, 11n, 11n);
    expect(await store.get(CONFIG_NAMESPACE, 'publisher-view.conversions', `${P}/cv_1`)).toMatchObject({ status: 'APPROVED', paidBy: 'po_1', pos: 11 });
    // No command publishes a conversion topic after its payment today: this denial stands for any later one.
    const [payload] = await new PersistedPublisherView(store, CONFIG_NAMESPACE).fold([decision(12, 'ConversionDenied', { reason: 'chargeback' })], null);
    expect(payload).toMatchObject({ topic: 'DENIED_CONVERSION', body: { payment_status: 'PAID', payment_id: 'po_1', reason: 'chargeback' } });
  });
});
