import { describe, expect, it } from '@jest/globals';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { SAMPLES, shapeProblems } from '@partner-ledger/testing';
import { type ConversionBody, conversionNotes } from './bodies.js';
import { PublisherView } from './publisher-view.js';
import { viewRefsOf } from './view-fold.js';

/*
 * What the conversion bodies say of payouts, flags and decisions: `payment_status`/`payment_id`
 * from the confirmed payout that paid the conversion's commission, `notes` from its flags, `reason`
 * from the latest approval or denial that gave one.
 */

let position = 0n;
const ev = (type: string, data: Record<string, unknown>, at = '2026-03-01T12:00:00.000Z'): RecordedEvent => {
  position += 1n;
  return { id: `e${position}`, streamName: `x-${type}`, revision: 0n, position, type, data, metadata: { source: 'api' }, created: new Date(at) };
};

const P = 'prg_pay';
const base = () => [
  ev('ProgramCreated', { programId: P, name: 'Pay', currency: 'USD', apiKeyHash: 'h', commission: { type: 'PERCENT_OF_SALE', amount: '10' }, tiers: [{ level: 2, amount: '5' }] }),
  ev('PartnerCreated', { programId: P, partnerId: 'p0', key: 'UP', email: 'up@example.com', name: 'Up Line', status: 'ACTIVE', referringPartnerId: null, details: {} }),
  ev('PartnerCreated', { programId: P, partnerId: 'p1', key: 'K', email: 'p@example.com', name: 'P One', status: 'ACTIVE', referringPartnerId: 'p0', details: {} }),
  ev('CustomerCreated', { programId: P, customerId: 'c1', key: 'ck', email: 'p@example.com', name: 'C', partnerId: 'p1', referringCustomerId: null }),
];
const lines = [
  { partnerId: 'p1', level: 1, amountMinor: 1000 },
  { partnerId: 'p0', level: 2, amountMinor: 500 },
];
const sale = (key: string, flagged: Record<string, unknown> = {}) => [
  ev('TransactionRecorded', {
    programId: P,
    transactionKey: key,
    amountMinor: 10000,
    currency: 'USD',
    customerId: 'c1',
    productId: null,
    productType: null,
    couponCode: null,
    requestHash: key,
    attribution: { source: 'customer', partnerId: 'p1', triggerId: null },
    unattributedReason: null,
  }),
  ev('ConversionCreated', {
    programId: P,
    conversionId: `cv_${key}`,
    transactionKey: key,
    partnerId: 'p1',
    customerId: 'c1',
    amountMinor: 10000,
    currency: 'USD',
    status: 'PENDING',
    commissions: lines,
    trace: { rule: 'PERCENT_OF_SALE', base: 10000, levels: [] },
    ...flagged,
  }),
];
const decided = (type: 'ConversionApproved' | 'ConversionDenied', key: string, extra: Record<string, unknown> = {}) =>
  ev(type, {
    programId: P,
    conversionId: `cv_${key}`,
    transactionKey: key,
    partnerId: 'p1',
    currency: 'USD',
    commissions: lines,
    ...(type === 'ConversionDenied' ? { reason: null } : {}),
    ...extra,
  });
const refund = (key: string) =>
  ev(
    'TransactionRefunded',
    {
      programId: P,
      transactionKey: key,
      refundId: 'r1',
      amountMinor: 5000,
      refundedTotalMinor: 5000,
      fullyRefunded: false,
      currency: 'USD',
      conversionId: `cv_${key}`,
      conversionStatus: 'APPROVED',
      reversals: [
        { partnerId: 'p1', level: 1, amountMinor: 500 },
        { partnerId: 'p0', level: 2, amountMinor: 250 },
      ],
    },
    '2026-03-05T08:00:00.000Z',
  );
type Item = { partnerId: string; lines: { conversionId: string; amountMinor: number }[] };
const batch = (payoutId: string, items: Item[]) => ({
  programId: P,
  payoutId,
  currency: 'USD',
  upTo: '2026-03-02T00:00:00.000Z',
  createdAt: '2026-03-02T09:00:00.000Z',
  createdBy: { type: 'ADMIN' },
  items: items.map((item) => ({
    partnerId: item.partnerId,
    amountMinor: item.lines.reduce((sum, l) => sum + l.amountMinor, 0),
    lines: item.lines.map((l) => ({ ...l, claim: 0 })),
  })),
  totalMinor: items.flatMap((i) => i.lines).reduce((sum, l) => sum + l.amountMinor, 0),
});
const payoutCreated = (payoutId: string, items: Item[]) => ev('PayoutCreated', batch(payoutId, items));
const payoutPaid = (payoutId: string, items: Item[]) =>
  ev('PayoutPaid', { ...batch(payoutId, items), reference: 'REF', confirmedBy: { type: 'ADMIN' }, paidAt: '2026-03-03T10:00:00.000Z' }, '2026-03-03T10:00:00.000Z');
const payoutCancelled = (payoutId: string, items: Item[]) =>
  ev('PayoutCancelled', { ...batch(payoutId, items), cancelledAt: '2026-03-03T10:00:00.000Z', cancelledBy: { type: 'ADMIN' } }, '2026-03-03T10:00:00.000Z');
const both = (key: string): Item[] => [
  { partnerId: 'p0', lines: [{ conversionId: `cv_${key}`, amountMinor: 500 }] },
  { partnerId: 'p1', lines: [{ conversionId: `cv_${key}`, amountMinor: 1000 }] },
];

function fold(events: RecordedEvent[]): { view: PublisherView; payloads: ReturnType<PublisherView['next']>[] } {
  const view = new PublisherView();
  return { view, payloads: events.map((e) => view.next(e)) };
}
const bodyOf = (view: PublisherView, key: string) => view.conversionBody(P, `cv_${key}`) as ConversionBody;

describe('payment_status and payment_id', () => {
  it('a conversion paid by a confirmed payout reads PAID with the payout id, also in the body built after a refund (clawback)', () => {
    const { view } = fold([...base(), ...sale('t1'), decided('ConversionApproved', 't1'), payoutCreated('po_1', both('t1'))]);
    // Created but not confirmed: nothing is paid yet.
    expect(bodyOf(view, 't1')).toMatchObject({ payment_status: 'UNPAID', payment_id: null });
    view.apply(payoutPaid('po_1', both('t1')));
    expect(bodyOf(view, 't1')).toMatchObject({ payment_status: 'PAID', payment_id: 'po_1', commission_total: '10.00' });
    view.apply(refund('t1'));
    expect(bodyOf(view, 't1')).toMatchObject({ payment_status: 'PAID', payment_id: 'po_1', commission_total: '5.00', updated: '2026-03-05 08:00:00' });
    // The clawback netted off in the next payout does not change what paid the conversion.
    const clawback: Item[] = [{ partnerId: 'p1', lines: [{ conversionId: 'cv_t1', amountMinor: -500 }] }];
    view.apply(payoutPaid('po_2', clawback));
    expect(bodyOf(view, 't1')).toMatchObject({ payment_status: 'PAID', payment_id: 'po_1' });
    expect(shapeProblems('APPROVED_CONVERSION', SAMPLES.conversion, bodyOf(view, 't1'), '')).toEqual([]);
  });

  it('a cancelled payout paid nothing: its conversions read UNPAID, and one paid before stays paid by the earlier payout', () => {
    const { view } = fold([...base(), ...sale('t1'), ...sale('t2'), decided('ConversionApproved', 't1'), decided('ConversionApproved', 't2')]);
    view.apply(payoutCreated('po_1', both('t1')));
    view.apply(payoutCancelled('po_1', both('t1')));
    expect(bodyOf(view, 't1')).toMatchObject({ payment_status: 'UNPAID', payment_id: null });
    view.apply(payoutCreated('po_2', both('t1')));
    view.apply(payoutPaid('po_2', both('t1')));
    const withClawback: Item[] = [
      {
        partnerId: 'p1',
        lines: [
          { conversionId: 'cv_t1', amountMinor: -500 },
          { conversionId: 'cv_t2', amountMinor: 1000 },
        ],
      },
    ];
    view.apply(payoutCreated('po_3', withClawback));
    view.apply(payoutCancelled('po_3', withClawback));
    expect(bodyOf(view, 't1')).toMatchObject({ payment_status: 'PAID', payment_id: 'po_2' });
    expect(bodyOf(view, 't2')).toMatchObject({ payment_status: 'UNPAID', payment_id: null });
  });

  it("only the conversion's own partner being paid makes it PAID: an upline's line paid alone does not", () => {
    const { view } = fold([...base(), ...sale('t1'), decided('ConversionApproved', 't1')]);
    const uplineOnly: Item[] = [{ partnerId: 'p0', lines: [{ conversionId: 'cv_t1', amountMinor: 500 }] }];
    view.apply(payoutCreated('po_1', uplineOnly));
    view.apply(payoutPaid('po_1', uplineOnly));
    expect(bodyOf(view, 't1')).toMatchObject({ payment_status: 'UNPAID', payment_id: null });
  });

  it('a paid payout names the conversions it paid, so the persisted view loads those and no others', () => {
    const items: Item[] = [
      { partnerId: 'p0', lines: [{ conversionId: 'cv_a', amountMinor: 500 }] },
      {
        partnerId: 'p1',
        lines: [
          { conversionId: 'cv_b', amountMinor: -200 },
          { conversionId: 'cv_c', amountMinor: 900 },
        ],
      },
    ];
    const conversions = (e: RecordedEvent) =>
      viewRefsOf(e)
        .filter((r) => r.kind === 'conversions')
        .map((r) => r.id);
    expect(conversions(payoutPaid('po_1', items))).toEqual(['cv_a', 'cv_c']);
    expect(conversions(payoutCreated('po_1', items))).toEqual([]);
    expect(conversions(payoutCancelled('po_1', items))).toEqual([]);
  });
});

describe('notes', () => {
  const reasons = [
    { flag: 'SELF_REFERRAL', reason: 'customer_is_partner', partnerId: 'p1' },
    { flag: 'SELF_REFERRAL', reason: 'customer_is_upline', partnerId: 'p0' },
  ];

  it('a flagged conversion says its flags and reasons in every body; an unflagged one says null', () => {
    const flagged = { flags: ['SELF_REFERRAL'], flagReasons: reasons.slice(0, 1) };
    const { payloads } = fold([...base(), ...sale('t1', flagged), decided('ConversionApproved', 't1'), ...sale('t2')]);
    expect(payloads[5]).toMatchObject({ topic: 'NEW_CONVERSION', body: { notes: 'SELF_REFERRAL: customer_is_partner' } });
    expect(payloads[6]).toMatchObject({ topic: 'APPROVED_CONVERSION', body: { notes: 'SELF_REFERRAL: customer_is_partner' } });
    expect(payloads[8]).toMatchObject({ topic: 'NEW_CONVERSION', body: { notes: null } });
    expect(shapeProblems('NEW_CONVERSION', SAMPLES.conversion, payloads[5]!.body, '')).toEqual([]);
  });

  it('names the partner a reason is about when it is not the conversion’s, joins several with "; ", and shows a flag given without reasons by name', () => {
    expect(conversionNotes({ partnerId: 'p1', flags: ['SELF_REFERRAL'], flagReasons: reasons as never })).toBe('SELF_REFERRAL: customer_is_partner; SELF_REFERRAL: customer_is_upline (p0)');
    expect(conversionNotes({ partnerId: 'p1', flags: ['SELF_REFERRAL'] })).toBe('SELF_REFERRAL');
    expect(conversionNotes({ partnerId: 'p1' })).toBeNull();
    expect(conversionNotes({ partnerId: 'p1', flags: [], flagReasons: [] })).toBeNull();
  });
});

describe('reason', () => {
  it('is the latest decision’s reason: an approval’s when given, a denial’s, the engine’s rule when it approved, and null after a person’s approval giving none', () => {
    const { payloads } = fold([
      ...base(),
      ...sale('t1'),
      decided('ConversionApproved', 't1', { reason: 'checked the order', actor: { type: 'ADMIN' } }),
      ...sale('t2'),
      decided('ConversionDenied', 't2', { reason: 'test order' }),
      ...sale('t3'),
      decided('ConversionApproved', 't3', { actor: { type: 'ADMIN' } }),
      ...sale('t4'),
      decided('ConversionApproved', 't4', { actor: { type: 'ENGINE', rule: 'AUTO_AFTER_HOLD' }, approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 30, holdUntil: '2026-03-31T12:00:00.000Z' } }),
      ...sale('t5'),
      decided('ConversionApproved', 't5', { actor: { type: 'ENGINE', rule: 'AUTO_AFTER_HOLD' }, approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 1, holdUntil: '2026-03-02T12:00:00.000Z' } }),
    ]);
    expect(payloads[6]!.body).toMatchObject({ status: 'APPROVED', reason: 'checked the order', denied_reason_code: null });
    expect(payloads[9]!.body).toMatchObject({ status: 'DENIED', reason: 'test order', denied_reason_code: null });
    expect(payloads[12]!.body).toMatchObject({ status: 'APPROVED', reason: null, denied_reason_code: null });
    // The engine gives no reason: its rule is the reason.
    expect(payloads[15]!.body).toMatchObject({ status: 'APPROVED', reason: 'AUTO_AFTER_HOLD: hold of 30 days passed' });
    expect(payloads[18]!.body).toMatchObject({ status: 'APPROVED', reason: 'AUTO_AFTER_HOLD: hold of 1 day passed' });
  });
});
