import { describe, expect, it } from '@jest/globals';
import type { Actor } from '../actor.js';
import { reservationDecider, type ReservationEvent, uniqueStream } from '../reservation/reservation.js';
import { DeciderSpecification } from '../testing/decider-specification.js';
import { storeMinor, sumMinor } from '../money/minor-sum.js';
import { type PayableLine, payoutClaimValue } from './payout-plan.js';
import { type CreatePayout, type PayoutCreated, payoutDecider, type PayoutEvent, payoutStream } from './payout.js';

const spec = DeciderSpecification.for(payoutDecider);
const NOW = new Date('2026-03-10T12:00:00.000Z');
const ADMIN: Actor = { type: 'ADMIN' };
const KEY: Actor = { type: 'PROGRAM_KEY', id: 'prg_1' };

const line = (conversionId: string, partnerId: string, owedMinor: number, over: Partial<PayableLine> = {}): PayableLine => ({
  conversionId,
  partnerId,
  approvedAt: '2026-03-01T00:00:00.000Z',
  owedMinor,
  claim: 0,
  ...over,
});

const create = (lines: PayableLine[], over: Partial<CreatePayout> = {}): CreatePayout => ({
  type: 'CreatePayout',
  programId: 'prg_1',
  payoutId: 'po_1',
  programCurrency: 'USD',
  now: NOW,
  actor: KEY,
  lines,
  ...over,
});

const created = (items: PayoutCreated['data']['items'], upTo = NOW.toISOString()): PayoutCreated => ({
  type: 'PayoutCreated',
  data: {
    programId: 'prg_1',
    payoutId: 'po_1',
    currency: 'USD',
    upTo,
    createdAt: NOW.toISOString(),
    createdBy: KEY,
    items,
    totalMinor: storeMinor(sumMinor(items.map((i) => i.amountMinor))),
  },
});
const ITEMS = [{ partnerId: 'par_a', amountMinor: '1500', lines: [{ conversionId: 'cv_1', amountMinor: 1500, claim: 0 }] }];
const paid: PayoutEvent = { type: 'PayoutPaid', data: { ...created(ITEMS).data, reference: 'PP-1', confirmedBy: ADMIN, paidAt: NOW.toISOString() } };
const cancelled: PayoutEvent = { type: 'PayoutCancelled', data: { ...created(ITEMS).data, cancelledAt: NOW.toISOString(), cancelledBy: ADMIN } };

describe('payout stream', () => {
  it('is named per program and payout', () => {
    expect(payoutStream('prg_1', 'po_1')).toBe('payout-prg_1.po_1');
  });
});

describe('creating a payout', () => {
  it('takes per partner the approved commission not yet paid, net of clawbacks, sorted by partner and conversion', () => {
    spec
      .given([])
      .when(create([line('cv_2', 'par_b', 700), line('cv_1', 'par_a', 1500), line('cv_3', 'par_b', 300, { claim: 1 }), line('cv_4', 'par_b', -200, { claim: 1 })]))
      .then([
        created([
          { partnerId: 'par_a', amountMinor: '1500', lines: [{ conversionId: 'cv_1', amountMinor: 1500, claim: 0 }] },
          {
            partnerId: 'par_b',
            amountMinor: '800',
            lines: [
              { conversionId: 'cv_2', amountMinor: 700, claim: 0 },
              { conversionId: 'cv_3', amountMinor: 300, claim: 1 },
              { conversionId: 'cv_4', amountMinor: -200, claim: 1 },
            ],
          },
        ]),
      ]);
  });

  it('nets a refund after payment (a clawback) off the next payout', () => {
    // cv_1 was paid 15.00, then refunded in full: owed -15.00 on its second settlement.
    spec
      .given([])
      .when(create([line('cv_1', 'par_a', -1500, { claim: 1 }), line('cv_2', 'par_a', 2000)]))
      .then([
        created([
          {
            partnerId: 'par_a',
            amountMinor: '500',
            lines: [
              { conversionId: 'cv_1', amountMinor: -1500, claim: 1 },
              { conversionId: 'cv_2', amountMinor: 2000, claim: 0 },
            ],
          },
        ]),
      ]);
  });

  it('leaves out a partner whose net is not positive: it keeps its negative balance, and an item is never negative', () => {
    spec
      .given([])
      .when(create([line('cv_1', 'par_a', -1500, { claim: 1 }), line('cv_2', 'par_a', 1000), line('cv_3', 'par_b', 400)]))
      .then([created([{ partnerId: 'par_b', amountMinor: '400', lines: [{ conversionId: 'cv_3', amountMinor: 400, claim: 0 }] }])]);
    spec
      .given([])
      .when(create([line('cv_1', 'par_a', -1500, { claim: 1 }), line('cv_2', 'par_a', 1500)]))
      .thenThrows('nothing_to_pay', 'unprocessable');
  });

  it('stops at the cut-off: commission approved after upTo waits, a clawback is netted whenever it came', () => {
    const upTo = '2026-03-05T00:00:00.000Z';
    spec
      .given([])
      .when(
        create(
          [
            line('cv_1', 'par_a', 1000, { approvedAt: '2026-03-04T23:59:59.999Z' }),
            line('cv_2', 'par_a', 5000, { approvedAt: '2026-03-06T00:00:00.000Z' }),
            line('cv_3', 'par_a', -300, { approvedAt: '2026-03-06T00:00:00.000Z', claim: 1 }),
          ],
          {
            upTo,
          },
        ),
      )
      .then([
        created(
          [
            {
              partnerId: 'par_a',
              amountMinor: '700',
              lines: [
                { conversionId: 'cv_1', amountMinor: 1000, claim: 0 },
                { conversionId: 'cv_3', amountMinor: -300, claim: 1 },
              ],
            },
          ],
          upTo,
        ),
      ]);
  });

  it('keeps to the partners asked for and to the minimum amount', () => {
    const lines = [line('cv_1', 'par_a', 1000), line('cv_2', 'par_b', 4999), line('cv_3', 'par_c', 5000)];
    spec
      .given([])
      .when(create(lines, { partnerIds: ['par_a', 'par_c'] }))
      .then([
        created([
          { partnerId: 'par_a', amountMinor: '1000', lines: [{ conversionId: 'cv_1', amountMinor: 1000, claim: 0 }] },
          { partnerId: 'par_c', amountMinor: '5000', lines: [{ conversionId: 'cv_3', amountMinor: 5000, claim: 0 }] },
        ]),
      ]);
    spec
      .given([])
      .when(create(lines, { minimumAmount: '50.00' }))
      .then([created([{ partnerId: 'par_c', amountMinor: '5000', lines: [{ conversionId: 'cv_3', amountMinor: 5000, claim: 0 }] }])]);
  });

  it('refuses an empty batch with nothing_to_pay', () => {
    spec.given([]).when(create([])).thenThrows('nothing_to_pay', 'unprocessable');
    spec
      .given([])
      .when(create([line('cv_1', 'par_a', 0)]))
      .thenThrows('nothing_to_pay', 'unprocessable');
    spec
      .given([])
      .when(create([line('cv_1', 'par_a', 1000)], { minimumAmount: '10.01' }))
      .thenThrows('nothing_to_pay', 'unprocessable');
  });

  it('refuses a cut-off in the future, a bad time, another currency, a bad minimum and bad partner ids', () => {
    const lines = [line('cv_1', 'par_a', 1000)];
    spec
      .given([])
      .when(create(lines, { upTo: '2026-03-10T12:00:00.001Z' }))
      .thenThrows('cut_off_in_future', 'unprocessable', 'upTo');
    spec
      .given([])
      .when(create(lines, { upTo: 'yesterday' }))
      .thenThrows('invalid_time', 'validation', 'upTo');
    spec
      .given([])
      .when(create(lines, { currency: 'EUR' }))
      .thenThrows('currency_mismatch', 'unprocessable', 'currency');
    spec
      .given([])
      .when(create(lines, { currency: 'XYZ' }))
      .thenThrows('unknown_currency', 'validation', 'currency');
    spec
      .given([])
      .when(create(lines, { minimumAmount: '-1' }))
      .thenThrows('invalid_amount', 'validation', 'minimumAmount');
    spec
      .given([])
      .when(create(lines, { minimumAmount: '1.001' }))
      .thenThrows('invalid_amount', 'validation', 'minimumAmount');
    spec
      .given([])
      .when(create(lines, { partnerIds: [] }))
      .thenThrows('invalid_partner_ids', 'validation', 'partnerIds');
    spec
      .given([])
      .when(create(lines, { partnerIds: [42] }))
      .thenThrows('invalid_partner_ids', 'validation', 'partnerIds');
  });

  it('refuses to create a payout twice', () => {
    spec
      .given([created(ITEMS)])
      .when(create([line('cv_1', 'par_a', 1000)]))
      .thenThrows('payout_exists', 'conflict');
  });
});

describe('confirming and cancelling', () => {
  it('confirms a draft as paid, with its reference and who confirmed it', () => {
    const { state } = spec
      .given([created(ITEMS)])
      .when({ type: 'ConfirmPayout', reference: ' PP-1 ', confirmedBy: ADMIN, now: NOW })
      .then([paid]);
    expect(state).toMatchObject({ exists: true, status: 'PAID', reference: 'PP-1' });
  });

  it('cancels a draft; cancelling a cancelled payout again decides nothing (a retry finishes releasing its commissions)', () => {
    const { state } = spec
      .given([created(ITEMS)])
      .when({ type: 'CancelPayout', cancelledBy: ADMIN, now: NOW })
      .then([cancelled]);
    expect(state).toMatchObject({ exists: true, status: 'CANCELLED' });
    spec
      .given([created(ITEMS), cancelled])
      .when({ type: 'CancelPayout', cancelledBy: ADMIN, now: NOW })
      .thenNothing();
  });

  it('refuses to confirm a cancelled or paid payout, to cancel a paid one, and anything on an unknown one', () => {
    spec
      .given([created(ITEMS), cancelled])
      .when({ type: 'ConfirmPayout', confirmedBy: ADMIN, now: NOW })
      .thenThrows('payout_cancelled', 'conflict');
    spec
      .given([created(ITEMS), paid])
      .when({ type: 'ConfirmPayout', confirmedBy: ADMIN, now: NOW })
      .thenThrows('payout_already_paid', 'conflict');
    spec
      .given([created(ITEMS), paid])
      .when({ type: 'CancelPayout', cancelledBy: ADMIN, now: NOW })
      .thenThrows('payout_already_paid', 'conflict');
    spec.given([]).when({ type: 'ConfirmPayout', confirmedBy: ADMIN, now: NOW }).thenThrows('payout_not_found', 'not_found');
    spec.given([]).when({ type: 'CancelPayout', cancelledBy: ADMIN, now: NOW }).thenThrows('payout_not_found', 'not_found');
  });

  it('refuses a reference that is not text or too long', () => {
    spec
      .given([created(ITEMS)])
      .when({ type: 'ConfirmPayout', reference: 7, confirmedBy: ADMIN, now: NOW })
      .thenThrows('invalid_text', 'validation', 'reference');
    spec
      .given([created(ITEMS)])
      .when({ type: 'ConfirmPayout', reference: 'x'.repeat(201), confirmedBy: ADMIN, now: NOW })
      .thenThrows('too_long', 'validation', 'reference');
  });
});

describe('a commission line is in at most one draft or paid payout (its payout-line claims)', () => {
  const claims = DeciderSpecification.for(reservationDecider);
  const value = payoutClaimValue('cv_1', 'par_a', 0);
  const reserve = (ownerId: string, at = NOW) => ({ type: 'Reserve' as const, kind: 'payout-line' as const, value, ownerId, currentOwnerExists: true, now: at, field: 'items' });
  const reserved = (ownerId: string): ReservationEvent => ({ type: 'ValueReserved', data: { kind: 'payout-line', value, ownerId, at: NOW.toISOString() } });

  it('names the n-th settlement of a (conversion, partner) line in a reservation stream of the program', () => {
    expect(uniqueStream('prg_1', 'payout-line', value)).toBe('unique-prg_1.payout-line.cv_1.par_a.0');
    expect(payoutClaimValue('cv_1', 'par_a', 1)).toBe('cv_1.par_a.1');
  });

  it('two payouts can never hold one settlement: the second is refused with payout_line_taken', () => {
    claims
      .given([])
      .when(reserve('po_1'))
      .then([reserved('po_1')]);
    claims
      .given([reserved('po_1')])
      .when(reserve('po_2'))
      .thenThrows('payout_line_taken', 'conflict', 'items');
    claims
      .given([reserved('po_1')])
      .when(reserve('po_1'))
      .thenNothing();
  });

  it('cancel makes the line payable again: once released, another payout takes it', () => {
    const released: ReservationEvent = { type: 'ValueReleased', data: { kind: 'payout-line', value, ownerId: 'po_1' } };
    claims
      .given([reserved('po_1')])
      .when({ type: 'Release', ownerId: 'po_1' })
      .then([released]);
    claims
      .given([reserved('po_1'), released])
      .when(reserve('po_2'))
      .then([reserved('po_2')]);
    // A release by another payout changes nothing.
    claims
      .given([reserved('po_1')])
      .when({ type: 'Release', ownerId: 'po_2' })
      .thenNothing();
  });
});
