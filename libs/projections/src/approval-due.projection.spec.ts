import { beforeEach, describe, expect, it } from '@jest/globals';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { SqliteReadStore } from '@partner-ledger/read-store';
import { APPROVAL_DUE, approvalDueProjection } from './approval-due.projection.js';
import { ProjectionRunner } from './projection-runner.js';

let position = 0;
const at = new Date('2026-03-01T10:00:00.000Z');
function rec(type: string, data: Record<string, unknown>): RecordedEvent {
  position += 1;
  return { id: `e${position}`, streamName: 's', revision: 0n, position: BigInt(position), type, data: { programId: 'prg', ...data }, metadata: {}, created: at };
}

const commissions = [{ partnerId: 'ada', level: 1, amountMinor: 1000 }];
const rule = (holdDays: number, holdUntil: string) => ({ mode: 'AUTO_AFTER_HOLD', holdDays, holdUntil });
const created = (key: string, extra: Record<string, unknown> = {}) =>
  rec('ConversionCreated', {
    conversionId: `cv_${key}`,
    transactionKey: key,
    partnerId: 'ada',
    customerId: 'c1',
    amountMinor: 10000,
    currency: 'USD',
    status: 'PENDING',
    commissions,
    trace: {},
    ...extra,
  });
const decided = (type: 'ConversionApproved' | 'ConversionDenied', key: string) =>
  rec(type, { conversionId: `cv_${key}`, transactionKey: key, partnerId: 'ada', currency: 'USD', commissions, ...(type === 'ConversionDenied' ? { reason: null } : {}) });
const refunded = (key: string, fullyRefunded: boolean) =>
  rec('TransactionRefunded', {
    transactionKey: key,
    refundId: `r${position}`,
    amountMinor: fullyRefunded ? 10000 : 4000,
    refundedTotalMinor: fullyRefunded ? 10000 : 4000,
    fullyRefunded,
    currency: 'USD',
    conversionId: `cv_${key}`,
    conversionStatus: 'PENDING',
    reversals: [],
  });

describe('approval-due projection: the auto-approver work list', () => {
  let store: SqliteReadStore;
  const ns = 'rm1';
  const run = async (...events: RecordedEvent[]) => {
    const es = SqliteEventStore.open(':memory:');
    await new ProjectionRunner(es, store, approvalDueProjection, { namespace: ns }).applyBatch(events);
    await es.close();
  };
  const get = (id: string) => store.get(ns, APPROVAL_DUE, `prg:cv_${id}`);
  /** The approver's query: DUE documents due at or before `now`, in due order. */
  const dueBy = async (now: string) =>
    (await store.find(ns, APPROVAL_DUE, { where: { status: 'DUE' }, range: { field: 'dueAt', lt: now }, orderBy: [{ field: 'dueAt', direction: 'asc' }], limit: 10 })).map(
      (d) => d.conversionId,
    );

  beforeEach(() => {
    store = SqliteReadStore.open(':memory:');
    position = 0;
  });

  it('a conversion sold under an AUTO_AFTER_HOLD rule is due at its holdUntil', async () => {
    await run(created('A', { approval: rule(14, '2026-03-15T10:00:00.000Z') }));
    expect(await get('A')).toMatchObject({ conversionId: 'cv_A', transactionKey: 'A', partnerId: 'ada', holdDays: 14, dueAt: '2026-03-15T10:00:00.000Z', status: 'DUE', pos: 1 });
  });

  it('a conversion sold without a rule (a MANUAL program, or an older event) gets no document', async () => {
    await run(created('M'));
    expect(await get('M')).toBeNull();
    expect(await store.count(ns, APPROVAL_DUE)).toBe(0);
  });

  it('a flagged conversion gets no document: the engine never approves it', async () => {
    await run(
      created('F', {
        approval: rule(0, '2026-03-01T10:00:00.000Z'),
        flags: ['SELF_REFERRAL'],
        flagReasons: [{ flag: 'SELF_REFERRAL', reason: 'customer_is_partner', partnerId: 'ada' }],
      }),
    );
    expect(await get('F')).toBeNull();
  });

  it('a reopened conversion does not come back: people decide it from then on', async () => {
    await run(
      created('A', { approval: rule(0, '2026-03-01T10:00:00.000Z') }),
      decided('ConversionDenied', 'A'),
      rec('ConversionReopened', { conversionId: 'cv_A', transactionKey: 'A', partnerId: 'ada', currency: 'USD', reason: null, commissions, reversals: [] }),
    );
    expect(await get('A')).toBeNull();
    expect(await store.count(ns, APPROVAL_DUE)).toBe(0);
  });

  it.each([
    ['approved', 'ConversionApproved' as const],
    ['denied', 'ConversionDenied' as const],
  ])('a conversion %s is removed: only open work stays in the collection', async (_what, decision) => {
    await run(created('A', { approval: rule(0, '2026-03-01T10:00:00.000Z') }), created('B', { approval: rule(0, '2026-03-01T10:00:00.000Z') }));
    expect(await get('A')).toMatchObject({ status: 'DUE' });
    await run(decided(decision, 'A'));
    expect(await get('A')).toBeNull();
    expect(await store.count(ns, APPROVAL_DUE)).toBe(1);
  });

  it('created and decided in one batch: nothing is left', async () => {
    await run(created('A', { approval: rule(0, '2026-03-01T10:00:00.000Z') }), decided('ConversionApproved', 'A'));
    expect(await store.count(ns, APPROVAL_DUE)).toBe(0);
  });

  it('a full refund closes it; a partial refund leaves it due', async () => {
    await run(created('A', { approval: rule(0, '2026-03-01T10:00:00.000Z') }), created('B', { approval: rule(0, '2026-03-01T10:00:00.000Z') }));
    await run(refunded('A', false), refunded('B', true));
    expect(await get('A')).toMatchObject({ status: 'DUE' });
    expect(await get('B')).toBeNull();
  });

  it('decisions about conversions without a document write nothing', async () => {
    await run(created('M'), decided('ConversionApproved', 'M'), refunded('M', true));
    expect(await store.count(ns, APPROVAL_DUE)).toBe(0);
  });

  it('the approver query finds what is due by a time, earliest first, and nothing closed', async () => {
    await run(
      created('LATE', { approval: rule(30, '2026-03-31T10:00:00.000Z') }),
      created('SOON', { approval: rule(7, '2026-03-08T10:00:00.000Z') }),
      created('NOW', { approval: rule(0, '2026-03-01T10:00:00.000Z') }),
      created('DONE', { approval: rule(0, '2026-03-01T10:00:00.000Z') }),
      decided('ConversionApproved', 'DONE'),
    );
    expect(await dueBy('2026-03-01T10:00:00.001Z')).toEqual(['cv_NOW']);
    expect(await dueBy('2026-03-08T10:00:00.001Z')).toEqual(['cv_NOW', 'cv_SOON']);
    expect(await dueBy('2027-01-01T00:00:00.000Z')).toEqual(['cv_NOW', 'cv_SOON', 'cv_LATE']);
  });
});
