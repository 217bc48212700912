import { describe, expect, it } from '@jest/globals';
import type { Actor } from '../actor.js';
import type { CommissionLine } from '../program/commission-plan.js';
import { DeciderSpecification } from '../testing/decider-specification.js';
import { conversionIdFor } from './attribution.js';
import { AUTO_AFTER_HOLD_RULE, AUTO_APPROVAL_ACTOR, autoApprovalRuleAt } from './auto-approval.js';
import { type ApproveConversion, type CreateTransaction, type TransactionCommand, transactionDecider, type TransactionEvent } from './transaction.js';

const spec = DeciderSpecification.for(transactionDecider);
const CV = conversionIdFor('T-1');
const KEY: Actor = { type: 'PROGRAM_KEY', id: 'prg_1' };
const ADMIN: Actor = { type: 'ADMIN' };
const SOLD_AT = new Date('2026-03-01T10:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;
const after = (days: number, ms = 0) => new Date(SOLD_AT.getTime() + days * DAY + ms);

/** A sale of 100.00 at 10 % → 10.00 for par_1, by a program in AUTO_AFTER_HOLD mode with a 14-day hold. */
const sale = (overrides: Partial<CreateTransaction> = {}): CreateTransaction => ({
  type: 'CreateTransaction',
  programId: 'prg_1',
  transactionKey: 'T-1',
  amount: '100.00',
  requestHash: 'h1',
  program: { currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' }, tiers: [], approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 14 } },
  customerId: 'cus_1',
  attribution: { source: 'customer', partner: { partnerId: 'par_1', status: 'ACTIVE', referringPartnerId: null } },
  chain: [],
  actor: KEY,
  at: SOLD_AT,
  ...overrides,
});
const manualSale = sale({ program: { currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' }, tiers: [], approval: { mode: 'MANUAL', holdDays: 0 } } });

function history(...commands: TransactionCommand[]): TransactionEvent[] {
  const events: TransactionEvent[] = [];
  for (const command of commands) events.push(...transactionDecider.decide(command, events.reduce(transactionDecider.evolve, transactionDecider.initialState())));
  return events;
}

const line = (amountMinor: number): CommissionLine => ({ partnerId: 'par_1', level: 1, amountMinor });
const base = { programId: 'prg_1', conversionId: CV, transactionKey: 'T-1', partnerId: 'par_1', currency: 'USD' };
const RULE = { mode: 'AUTO_AFTER_HOLD' as const, holdDays: 14, holdUntil: '2026-03-15T10:00:00.000Z' };
/** What the engine's auto-approver sends, at `now`. */
const autoApprove = (now: Date): ApproveConversion => ({ type: 'ApproveConversion', byRule: AUTO_AFTER_HOLD_RULE, actor: AUTO_APPROVAL_ACTOR, now });
const deny: TransactionCommand = { type: 'DenyConversion', reason: 'fraud', actor: ADMIN };
const refund = (amount?: string): TransactionCommand => ({ type: 'RefundTransaction', refundId: 'ref_1', amount, actor: KEY });

describe('Auto-approval: the rule recorded at the sale', () => {
  it('a sale of an AUTO_AFTER_HOLD program records the rule and when its hold ends', () => {
    spec
      .given([])
      .when(sale())
      .then((events) => expect(events[1]).toMatchObject({ type: 'ConversionCreated', data: { status: 'PENDING', approval: RULE } }));
  });

  it('holdDays 0: due from the sale itself', () => {
    spec
      .given([])
      .when(sale({ program: { currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' }, tiers: [], approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 0 } } }))
      .then((events) => expect(events[1].data).toMatchObject({ approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 0, holdUntil: SOLD_AT.toISOString() } }));
  });

  it('a MANUAL program (or none given, as in every sale before) records no rule', () => {
    spec
      .given([])
      .when(manualSale)
      .then((events) => expect(events[1].data).not.toHaveProperty('approval'));
    spec
      .given([])
      .when(sale({ program: { currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' }, tiers: [] } }))
      .then((events) => expect(events[1].data).not.toHaveProperty('approval'));
    expect(autoApprovalRuleAt(undefined, SOLD_AT)).toBeUndefined();
  });

  it('a flagged sale still records the rule it was sold under (the engine refuses it anyway)', () => {
    spec
      .given([])
      .when(sale({ referral: { customerEmail: 'par1@example.com', partnerEmails: { par_1: 'par1@example.com' }, customerPartner: null } }))
      .then((events) => expect(events[1].data).toMatchObject({ flags: ['SELF_REFERRAL'], approval: RULE }));
  });
});

describe('Auto-approval: ApproveConversion by the AUTO_AFTER_HOLD rule', () => {
  it('approves once the hold has passed, recording the engine as the actor and the rule', () => {
    const { state } = spec
      .given(history(sale()))
      .when(autoApprove(after(14)))
      .then([{ type: 'ConversionApproved', data: { ...base, commissions: [line(1000)], approval: RULE, actor: { type: 'ENGINE', rule: 'AUTO_AFTER_HOLD' } } }]);
    expect(state).toMatchObject({ conversion: { status: 'APPROVED' } });
  });

  it('refuses while the hold lasts (one millisecond before it ends too)', () => {
    spec.given(history(sale())).when(autoApprove(SOLD_AT)).thenThrows('hold_not_passed', 'conflict');
    spec
      .given(history(sale()))
      .when(autoApprove(after(14, -1)))
      .thenThrows('hold_not_passed', 'conflict');
  });

  it('refuses without a time to judge the hold by', () => {
    spec.given(history(sale())).when({ type: 'ApproveConversion', byRule: AUTO_AFTER_HOLD_RULE, actor: AUTO_APPROVAL_ACTOR }).thenThrows('hold_not_passed', 'conflict');
  });

  it('never approves a flagged conversion, however long ago it was sold', () => {
    const flagged = sale({ referral: { customerEmail: 'par1@example.com', partnerEmails: { par_1: 'par1@example.com' }, customerPartner: null } });
    spec
      .given(history(flagged))
      .when(autoApprove(after(400)))
      .thenThrows('conversion_flagged', 'conflict');
  });

  it('refuses a denied conversion', () => {
    spec
      .given(history(sale(), deny))
      .when(autoApprove(after(15)))
      .thenThrows('conversion_denied', 'conflict');
  });

  it('refuses a fully refunded conversion; a partial refund leaves it approvable (net of the refund)', () => {
    spec
      .given(history(sale(), refund()))
      .when(autoApprove(after(15)))
      .thenThrows('transaction_fully_refunded', 'conflict');
    spec
      .given(history(sale(), refund('40.00')))
      .when(autoApprove(after(15)))
      .then([{ type: 'ConversionApproved', data: { ...base, commissions: [line(600)], approval: RULE, actor: AUTO_APPROVAL_ACTOR } }]);
  });

  it('is a no-op on an approved conversion: a second approval, by a racing instance or a retry, appends nothing', () => {
    spec
      .given(history(sale(), autoApprove(after(14))))
      .when(autoApprove(after(20)))
      .thenNothing();
    spec
      .given(history(sale(), { type: 'ApproveConversion', actor: ADMIN }))
      .when(autoApprove(after(20)))
      .thenNothing();
  });

  it('refuses a conversion sold without the rule (a MANUAL program, also after it switched to AUTO_AFTER_HOLD)', () => {
    spec
      .given(history(manualSale))
      .when(autoApprove(after(400)))
      .thenThrows('auto_approval_not_applicable', 'conflict');
  });

  it('refuses a conversion a person reopened after denying it: people decide it from then on', () => {
    const reopen: TransactionCommand = { type: 'ReopenConversion', reason: 'customer proved it', actor: ADMIN };
    spec
      .given(history(sale(), deny, reopen))
      .when(autoApprove(after(30)))
      .thenThrows('auto_approval_not_applicable', 'conflict');
    // A person still approves it.
    spec
      .given(history(sale(), deny, reopen))
      .when({ type: 'ApproveConversion', actor: ADMIN })
      .then([{ type: 'ConversionApproved', data: { ...base, commissions: [line(1000)], actor: ADMIN } }]);
  });

  it('a person may approve before the hold ends: the hold only times the engine', () => {
    spec
      .given(history(sale()))
      .when({ type: 'ApproveConversion', actor: KEY, now: SOLD_AT })
      .then([{ type: 'ConversionApproved', data: { ...base, commissions: [line(1000)], actor: KEY } }]);
  });
});
