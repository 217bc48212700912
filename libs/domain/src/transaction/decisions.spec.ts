import { describe, expect, it } from '@jest/globals';
import type { Actor } from '../actor.js';
import type { CommissionLine } from '../program/commission-plan.js';
import { DeciderSpecification } from '../testing/decider-specification.js';
import { conversionIdFor } from './attribution.js';
import { netCommissions } from './reversals.js';
import { type CreateTransaction, type TransactionCommand, transactionDecider, type TransactionEvent } from './transaction.js';

const spec = DeciderSpecification.for(transactionDecider);
const CV = conversionIdFor('T-1');
const ADMIN: Actor = { type: 'ADMIN' };
const KEY: Actor = { type: 'PROGRAM_KEY', id: 'prg_1' };
const ENGINE: Actor = { type: 'ENGINE', rule: 'AUTO_AFTER_HOLD' };

/** A sale of 100.01 at 7.3333 % → 7.33 for par_1, recorded through the decider itself. */
const create: CreateTransaction = {
  type: 'CreateTransaction',
  programId: 'prg_1',
  transactionKey: 'T-1',
  amount: '100.01',
  requestHash: 'h1',
  program: { currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '7.3333' }, tiers: [] },
  customerId: 'cus_1',
  attribution: { source: 'customer', partner: { partnerId: 'par_1', status: 'ACTIVE', referringPartnerId: null } },
  chain: [],
  actor: KEY,
};

/** The events of `commands` decided one after another from an empty stream. */
function history(...commands: TransactionCommand[]): TransactionEvent[] {
  const events: TransactionEvent[] = [];
  for (const command of commands) events.push(...transactionDecider.decide(command, events.reduce(transactionDecider.evolve, transactionDecider.initialState())));
  return events;
}

const line = (amountMinor: number): CommissionLine => ({ partnerId: 'par_1', level: 1, amountMinor });
const base = { programId: 'prg_1', conversionId: CV, transactionKey: 'T-1', partnerId: 'par_1', currency: 'USD' };
const deny: TransactionCommand = { type: 'DenyConversion', reason: 'looks odd', actor: ADMIN };
const reopen = (reason?: unknown, actor: Actor = ADMIN): TransactionCommand => ({ type: 'ReopenConversion', reason, actor });
const refund = (amount?: string): TransactionCommand => ({ type: 'RefundTransaction', refundId: 'ref_1', amount, actor: KEY });

describe('ReopenConversion', () => {
  it('puts a DENIED conversion back to PENDING with the denied lines, the reason and the actor', () => {
    const { state } = spec
      .given(history(create, deny))
      .when(reopen('  customer proved it  '))
      .then([{ type: 'ConversionReopened', data: { ...base, reason: 'customer proved it', commissions: [line(733)], reversals: [], actor: ADMIN } }]);
    expect(state).toMatchObject({ conversion: { status: 'PENDING', reversed: [0] } });
  });

  it('records a null reason when none is given', () => {
    spec
      .given(history(create, deny))
      .when(reopen())
      .then([{ type: 'ConversionReopened', data: { ...base, reason: null, commissions: [line(733)], reversals: [], actor: ADMIN } }]);
  });

  it('then approves as any pending conversion, by whoever approves', () => {
    spec
      .given(history(create, deny, reopen()))
      .when({ type: 'ApproveConversion', actor: ENGINE })
      .then([{ type: 'ConversionApproved', data: { ...base, commissions: [line(733)], actor: ENGINE } }]);
  });

  it('takes back, when reopening, what refunds made while denied would have reversed', () => {
    const events = history(create, deny, refund('33.33'));
    expect(events.at(-1)).toMatchObject({ type: 'TransactionRefunded', data: { conversionStatus: 'DENIED', reversals: [] } });
    const { state } = spec
      .given(events)
      .when(reopen())
      .then([{ type: 'ConversionReopened', data: { ...base, reason: null, commissions: [line(733)], reversals: [line(244)], actor: ADMIN } }]);
    if (!state.exists || !state.conversion) throw new Error('no conversion');
    expect(netCommissions(state.conversion)).toEqual([line(489)]);
    // The final refund then reverses exactly what is left: 2.44 + 4.89 = 7.33.
    spec
      .given(history(create, deny, refund('33.33'), reopen()))
      .when(refund())
      .then((refunded) => expect(refunded[0]).toMatchObject({ data: { reversals: [line(489)], conversionStatus: 'PENDING' } }));
  });

  it('refuses a PENDING conversion (conversion_already_pending), appending nothing', () => {
    spec.given(history(create)).when(reopen()).thenThrows('conversion_already_pending', 'conflict');
    spec
      .given(history(create, deny, reopen()))
      .when(reopen())
      .thenThrows('conversion_already_pending', 'conflict');
  });

  it('refuses an APPROVED conversion (conversion_already_approved): refund it instead', () => {
    spec
      .given(history(create, { type: 'ApproveConversion' }))
      .when(reopen())
      .thenThrows('conversion_already_approved', 'conflict');
  });

  it('refuses a denied conversion whose sale is fully refunded (transaction_fully_refunded)', () => {
    spec
      .given(history(create, deny, refund()))
      .when(reopen())
      .thenThrows('transaction_fully_refunded', 'conflict');
  });

  it('refuses a bad reason, a sale without a conversion and a missing transaction', () => {
    spec
      .given(history(create, deny))
      .when(reopen('x'.repeat(501)))
      .thenThrows('too_long', 'validation', 'reason');
    spec
      .given(history({ ...create, attribution: null }))
      .when(reopen())
      .thenThrows('conversion_not_found', 'not_found');
    spec.given([]).when(reopen()).thenThrows('transaction_not_found', 'not_found');
  });
});

describe('Decisions record their actor and reason', () => {
  it('approving records the actor, and the reason when given', () => {
    spec
      .given(history(create))
      .when({ type: 'ApproveConversion', actor: KEY, reason: 'checked the order' })
      .then([{ type: 'ConversionApproved', data: { ...base, commissions: [line(733)], actor: KEY, reason: 'checked the order' } }]);
  });

  it('denying records the actor', () => {
    spec
      .given(history(create))
      .when(deny)
      .then([{ type: 'ConversionDenied', data: { ...base, reason: 'looks odd', commissions: [line(733)], actor: ADMIN } }]);
  });

  it('refunding records the actor and the reason', () => {
    spec
      .given(history(create))
      .when({ type: 'RefundTransaction', refundId: 'ref_1', actor: { type: 'INCOMING_WEBHOOK', id: 'iwh_1' }, reason: 'returned' })
      .then((events) => expect(events[0].data).toMatchObject({ actor: { type: 'INCOMING_WEBHOOK', id: 'iwh_1' }, reason: 'returned', fullyRefunded: true }));
  });

  it('recording the sale records who recorded it', () => {
    spec
      .given([])
      .when(create)
      .then((events) => expect(events[1]).toMatchObject({ type: 'ConversionCreated', data: { actor: KEY } }));
  });

  it('a command without an actor writes the event as before (no actor field), and such old events still fold', () => {
    const events = history({ ...create, actor: undefined }, { type: 'DenyConversion' }, { type: 'ReopenConversion' }, { type: 'ApproveConversion' });
    for (const event of events) expect(event.data).not.toHaveProperty('actor');
    expect(events.reduce(transactionDecider.evolve, transactionDecider.initialState())).toMatchObject({ conversion: { status: 'APPROVED' } });
  });

  it('refuses a bad approve or refund reason', () => {
    spec.given(history(create)).when({ type: 'ApproveConversion', reason: 42 }).thenThrows('invalid_text', 'validation', 'reason');
    spec
      .given(history(create))
      .when({ type: 'RefundTransaction', refundId: 'ref_1', reason: 'x'.repeat(501) })
      .thenThrows('too_long', 'validation', 'reason');
  });
});
