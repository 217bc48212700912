import { describe, expect, it } from '@jest/globals';
import type { PartnerSnapshot } from '../partner/partner.js';
import { DeciderSpecification } from '../testing/decider-specification.js';
import type { ReferralFacts } from './flags.js';
import { type ConversionCreated, type CreateTransaction, transactionDecider, type TransactionEvent } from './transaction.js';

const spec = DeciderSpecification.for(transactionDecider);

const snap = (partnerId: string, status: PartnerSnapshot['status'] = 'ACTIVE'): PartnerSnapshot => ({ partnerId, status, referringPartnerId: null });
const TIERED: CreateTransaction['program'] = { currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' }, tiers: [{ level: 2, amount: '5' }] };

/** A sale of 100.00 by jane@example.com attributed to ada, whose referrer is bob. */
const sale = (referral: Partial<ReferralFacts> | undefined, overrides: Partial<CreateTransaction> = {}): CreateTransaction => ({
  type: 'CreateTransaction',
  programId: 'prg_1',
  transactionKey: 'T-1',
  amount: '100.00',
  requestHash: 'h1',
  program: TIERED,
  customerId: 'cus_1',
  attribution: { source: 'customer', partner: snap('ada') },
  chain: [snap('bob')],
  referral: referral && { customerEmail: 'jane@example.com', partnerEmails: { ada: 'ada@example.com', bob: 'bob@example.com' }, customerPartner: null, ...referral },
  ...overrides,
});

const conversionOf = (events: TransactionEvent[]) => events.find((e): e is ConversionCreated => e.type === 'ConversionCreated')!.data;

describe('Flags: SELF_REFERRAL (held PENDING, never denied)', () => {
  it('a self-referral is flagged: the buyer is the attributed partner', () => {
    const { events, state } = spec
      .given([])
      .when(sale({ customerEmail: 'ada@example.com' }))
      .then((events) => expect(events.map((e) => e.type)).toEqual(['TransactionRecorded', 'ConversionCreated']));
    const conversion = conversionOf(events);
    expect(conversion).toMatchObject({ status: 'PENDING', flags: ['SELF_REFERRAL'], flagReasons: [{ flag: 'SELF_REFERRAL', reason: 'customer_is_partner', partnerId: 'ada' }] });
    // The commission is computed as usual: the flag holds it for review, it takes nothing away.
    expect(conversion.commissions).toEqual([
      { partnerId: 'ada', level: 1, amountMinor: 1000 },
      { partnerId: 'bob', level: 2, amountMinor: 500 },
    ]);
    // What auto-approval reads: the flag is in the conversion's decider state.
    expect(state).toMatchObject({ conversion: { status: 'PENDING', flags: ['SELF_REFERRAL'] } });
  });

  it.each([
    ['the same mailbox with a +tag', 'ada+shop@example.com', 'ada@example.com'],
    ['another case', 'ADA@Example.com', 'ada@example.com'],
    ['gmail ignoring dots', 'a.d.a@gmail.com', 'ada@gmail.com'],
    ['gmail dots and +tag, googlemail.com', 'a.da+x@googlemail.com', 'ada@gmail.com'],
  ])('flags %s (%s buying for %s)', (_what, customerEmail, partnerEmail) => {
    const { events } = spec
      .given([])
      .when(sale({ customerEmail, partnerEmails: { ada: partnerEmail, bob: 'bob@example.com' } }))
      .then(() => undefined);
    expect(conversionOf(events).flags).toEqual(['SELF_REFERRAL']);
  });

  it('does not flag dots outside gmail, nor another person', () => {
    for (const [customerEmail, partnerEmail] of [
      ['a.da@example.com', 'ada@example.com'],
      ['jane@example.com', 'ada@example.com'],
      ['ada@example.org', 'ada@example.com'],
    ]) {
      const { events, state } = spec
        .given([])
        .when(sale({ customerEmail, partnerEmails: { ada: partnerEmail, bob: 'bob@example.com' } }))
        .then(() => undefined);
      expect(conversionOf(events)).not.toHaveProperty('flags');
      expect(conversionOf(events)).not.toHaveProperty('flagReasons');
      expect(state).toMatchObject({ conversion: { flags: [] } });
    }
  });

  it('flags a chain self-referral: the buyer is a referrer the sale pays a tier to', () => {
    const { events } = spec
      .given([])
      .when(sale({ customerEmail: 'bob+me@example.com' }))
      .then(() => undefined);
    expect(conversionOf(events)).toMatchObject({ flags: ['SELF_REFERRAL'], flagReasons: [{ flag: 'SELF_REFERRAL', reason: 'customer_is_upline', partnerId: 'bob' }] });
  });

  it('flags a chain self-referral: the buyer is a partner the attributed partner referred, however far down', () => {
    const { events } = spec
      .given([])
      .when(sale({ customerEmail: 'sock@example.com', customerPartner: { partnerId: 'sock', upline: ['mid', 'ada', 'bob'] } }))
      .then(() => undefined);
    expect(conversionOf(events)).toMatchObject({ flags: ['SELF_REFERRAL'], flagReasons: [{ flag: 'SELF_REFERRAL', reason: 'customer_is_downline', partnerId: 'sock' }] });
  });

  it('flags the buyer found as the partner by its reserved email even when the mailboxes differ', () => {
    const { events } = spec
      .given([])
      .when(sale({ customerEmail: 'other@example.com', customerPartner: { partnerId: 'ada', upline: ['bob'] } }))
      .then(() => undefined);
    expect(conversionOf(events).flagReasons).toEqual([{ flag: 'SELF_REFERRAL', reason: 'customer_is_partner', partnerId: 'ada' }]);
  });

  it('does not flag a buyer who is a partner outside the attributed partner’s downline', () => {
    const { events } = spec
      .given([])
      .when(sale({ customerEmail: 'eve@example.com', customerPartner: { partnerId: 'eve', upline: ['bob'] } }))
      .then(() => undefined);
    expect(conversionOf(events)).not.toHaveProperty('flags');
  });

  it('lists every reason, and the flag once', () => {
    const { events } = spec
      .given([])
      .when(sale({ customerEmail: 'ada@example.com', partnerEmails: { ada: 'ada@example.com', bob: 'ada+bob@example.com' } }))
      .then(() => undefined);
    const conversion = conversionOf(events);
    expect(conversion.flags).toEqual(['SELF_REFERRAL']);
    expect(conversion.flagReasons?.map((r) => r.reason)).toEqual(['customer_is_partner', 'customer_is_upline']);
  });

  it('checks nothing without referral facts (no flags field at all)', () => {
    const { events } = spec
      .given([])
      .when(sale(undefined))
      .then(() => undefined);
    expect(conversionOf(events)).not.toHaveProperty('flags');
  });

  it('raises no flag when no conversion is created (inactive partner)', () => {
    spec
      .given([])
      .when(sale({ customerEmail: 'ada@example.com' }, { attribution: { source: 'customer', partner: snap('ada', 'DISABLED') } }))
      .then((events) => expect(events.map((e) => e.type)).toEqual(['TransactionRecorded']));
  });

  it('keeps the flags through deny, reopen and approve, and folds an old event without them', () => {
    const { events } = spec
      .given([])
      .when(sale({ customerEmail: 'ada@example.com' }))
      .then(() => undefined);
    const denied = transactionDecider.decide({ type: 'DenyConversion' }, events.reduce(transactionDecider.evolve, transactionDecider.initialState()));
    const { state } = spec
      .given([...events, ...denied])
      .when({ type: 'ReopenConversion' })
      .then((reopened) => expect(reopened.map((e) => e.type)).toEqual(['ConversionReopened']));
    expect(state).toMatchObject({ conversion: { status: 'PENDING', flags: ['SELF_REFERRAL'] } });

    const { flags: _flags, flagReasons: _reasons, ...old } = conversionOf(events);
    const oldState = [events[0], { type: 'ConversionCreated', data: old } as ConversionCreated].reduce(transactionDecider.evolve, transactionDecider.initialState());
    expect(oldState).toMatchObject({ conversion: { status: 'PENDING', flags: [] } });
  });
});
