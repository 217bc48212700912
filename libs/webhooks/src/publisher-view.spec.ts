import { describe, expect, it } from '@jest/globals';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { PublisherView, SAMPLE_OF_TOPIC, TYPE_DEVIATIONS, type WebhookPayload, splitName } from './index.js';
import { EVENT_TOPIC_LIST, type EventTopic } from './topics.js';
import { SAMPLES, shapeProblems } from '@partner-ledger/testing';

// ---- a tiny event log -----------------------------------------------------------------------------

let position = 0n;
function ev(type: string, data: Record<string, unknown>, opts: { source?: 'api' | 'incoming-webhook' | 'cli'; at?: string } = {}): RecordedEvent {
  position += 10n;
  return {
    id: `evt-${position}`,
    streamName: `x-${type}`,
    revision: 0n,
    position,
    type,
    data,
    metadata: { correlationId: 'c', source: opts.source ?? 'api' },
    created: new Date(opts.at ?? '2024-03-01T12:00:00.000Z'),
  };
}

const P = 'prog1';
const program = (over: Record<string, unknown> = {}) =>
  ev('ProgramCreated', {
    programId: P,
    name: 'Standard Affiliate Commission',
    currency: 'USD',
    apiKeyHash: 'h',
    commission: { type: 'PERCENT_OF_SALE', amount: '10' },
    tiers: [{ level: 2, amount: '5' }],
    ...over,
  });
const partner = (over: Record<string, unknown> = {}, opts = {}) =>
  ev(
    'PartnerCreated',
    {
      programId: P,
      partnerId: 'p1',
      key: '123ab',
      email: 'john@example.com',
      name: 'John Smith',
      status: 'PENDING',
      referringPartnerId: null,
      details: {
        address1: '123 Street Road',
        address2: 'Suite 7',
        city: 'New York',
        state: 'NY',
        zip: '11111',
        paypalEmail: 'pay@example.com',
        customFields: [{ name: 'INSTAGRAM HANDLE', value: 'Bee_Handle' }],
      },
      ...over,
    },
    opts,
  );
const status = (from: string, to: string, partnerId = 'p1') => ev('PartnerStatusChanged', { programId: P, partnerId, from, to, reason: null });
const customer = () => ev('CustomerCreated', { programId: P, customerId: 'c1', key: 'ck', email: 'jane@example.com', name: 'Jane Doe', partnerId: 'p1', referringCustomerId: null });
const recorded = (key = '1022', amountMinor = 13055, over: Record<string, unknown> = {}) =>
  ev('TransactionRecorded', {
    programId: P,
    transactionKey: key,
    amountMinor,
    currency: 'USD',
    customerId: 'c1',
    productId: 'SKU-1',
    productType: 'book',
    couponCode: 'SPRING',
    requestHash: 'rh',
    attribution: { source: 'customer', partnerId: 'p1', triggerId: null },
    unattributedReason: null,
    ...over,
  });
const commissions = (amountMinor: number) => [
  { partnerId: 'p1', level: 1, amountMinor },
  { partnerId: 'p0', level: 2, amountMinor: Math.round(amountMinor / 2) },
];
const created = (key = '1022', amountMinor = 13055, commission = 1306, opts: { source?: 'api' | 'incoming-webhook'; at?: string } = {}) =>
  ev(
    'ConversionCreated',
    {
      programId: P,
      conversionId: `cv_${key}`,
      transactionKey: key,
      partnerId: 'p1',
      customerId: 'c1',
      amountMinor,
      currency: 'USD',
      status: 'PENDING',
      commissions: commissions(commission),
      trace: { rule: 'PERCENT_OF_SALE', base: amountMinor, levels: [] },
    },
    { at: '2020-02-14T18:48:42.123Z', ...opts },
  );
const approved = (key = '1022', at = '2020-02-15T09:00:00Z') =>
  ev('ConversionApproved', { programId: P, conversionId: `cv_${key}`, transactionKey: key, partnerId: 'p1', currency: 'USD', commissions: [] }, { at });
const denied = (key = '1022', reason: string | null = 'fraud') =>
  ev(
    'ConversionDenied',
    { programId: P, conversionId: `cv_${key}`, transactionKey: key, partnerId: 'p1', currency: 'USD', reason, commissions: [] },
    {
      at: '2020-02-16T10:00:00Z',
    },
  );
const batch = {
  programId: P,
  payoutId: 'po_1',
  currency: 'USD',
  upTo: '2020-03-01T00:00:00.000Z',
  createdAt: '2020-03-01T09:00:00.000Z',
  createdBy: { type: 'ADMIN' },
  items: [{ partnerId: 'p1', amountMinor: 1306, lines: [{ conversionId: 'cv_1022', amountMinor: 1306, claim: 0 }] }],
  totalMinor: 1306,
};
const payoutCreated = () => ev('PayoutCreated', batch, { at: batch.createdAt });
const payoutPaid = (reference: string | null) =>
  ev('PayoutPaid', { ...batch, reference, confirmedBy: { type: 'ADMIN' }, paidAt: '2020-03-02T10:00:00.000Z' }, { at: '2020-03-02T10:00:00.000Z' });
const payoutCancelled = () => ev('PayoutCancelled', { ...batch, cancelledAt: '2020-03-02T10:00:00.000Z', cancelledBy: { type: 'ADMIN' } }, { at: '2020-03-02T10:00:00.000Z' });
const trigger = () => ev('ConversionTriggerCreated', { programId: P, triggerId: 'tr1', partnerId: 'p1', type: 'EMAIL', trigger: 'customer@trigger.com' });

/** Applies the events in list order (positions renumbered so) and returns the payload of each. */
function run(events: RecordedEvent[], view = new PublisherView()): (WebhookPayload | null)[] {
  return events.map((event) => {
    position += 10n;
    return view.next({ ...event, id: `evt-${position}`, position });
  });
}
const last = <T>(list: T[]) => list[list.length - 1];

// ---- the samples' key sets and types --------------------------------------------------------------

/** Every mismatch between the sample's keys/types and ours (empty = conforming). */
function compare(topic: EventTopic, sampleValue: unknown, ours: unknown, full: boolean): string[] {
  // The full scenario exercises array elements: an empty array would check nothing.
  return shapeProblems(topic, sampleValue, ours, '', full ? (array) => expect(array.length).toBeGreaterThan(0) : undefined);
}

function scenario(topic: EventTopic, full: boolean): WebhookPayload {
  const p = full ? partner() : partner({ details: {}, name: 'Prince' });
  const tx = full ? recorded() : recorded('1022', 13055, { productId: null, productType: null, couponCode: null });
  const base = [program(), p, status('PENDING', 'ACTIVE'), customer(), tx, created()];
  const events: Record<EventTopic, RecordedEvent[]> = {
    NEW_CONVERSION: base,
    APPROVED_CONVERSION: [...base, approved()],
    DENIED_CONVERSION: [...base, denied('1022', full ? 'fraud' : null)],
    NEW_AFFILIATE: [program(), p],
    AFFILIATE_STATUS_CHANGE: [program(), p, status('PENDING', 'ACTIVE')],
    AFFILIATE_DETAILS_CHANGE: [program(), p, ev('PartnerDetailsUpdated', { programId: P, partnerId: 'p1', changes: { name: 'John Q Smith' } })],
    NEW_CONVERSION_TRIGGER: [program(), p, trigger()],
    PAYOUT_CREATED: [...base, approved(), payoutCreated()],
    PAYOUT_PAID: [...base, approved(), payoutCreated(), payoutPaid(full ? 'PAYPAL-7781' : null)],
    PAYOUT_CANCELLED: [...base, approved(), payoutCreated(), payoutCancelled()],
  };
  const payload = last(run(events[topic]));
  expect(payload?.topic).toBe(topic);
  return payload!;
}

describe('payloads follow the Refersion samples in src/fixtures', () => {
  for (const topic of EVENT_TOPIC_LIST) {
    it(`${topic}: every key of the Refersion sample is present with the right type (deviations listed)`, () => {
      const expected = SAMPLES[SAMPLE_OF_TOPIC[topic]];
      for (const full of [true, false]) {
        const { body } = scenario(topic, full);
        expect(compare(topic, expected, body, full)).toEqual([]);
        // Same key order as the sample, for readers comparing side by side.
        expect(Object.keys(body)).toEqual(Object.keys(expected));
      }
    });
  }

  it('every listed deviation names a key that exists in its sample', () => {
    for (const topic of EVENT_TOPIC_LIST) {
      for (const path of Object.keys(TYPE_DEVIATIONS[topic])) {
        const value = path.split('.').reduce<any>((v, key) => v?.[key], SAMPLES[SAMPLE_OF_TOPIC[topic]]);
        expect(value).not.toBeUndefined();
      }
    }
  });
});

describe('conversion bodies', () => {
  it('NEW_CONVERSION carries the order, the attributed affiliate, the offer and the customer', () => {
    const payload = last(run([program(), partner(), status('PENDING', 'ACTIVE'), customer(), recorded(), created('1022', 13055, 1306, { source: 'incoming-webhook' })]));
    expect(payload).toEqual({
      topic: 'NEW_CONVERSION',
      body: {
        id: 'cv_1022',
        created: '2020-02-14 18:48:42',
        status: 'PENDING',
        denied_reason_code: null,
        is_recurring: false,
        total_items: '1',
        total: '130.55',
        commission_total: '13.06',
        currency: 'USD',
        is_test_conversion: 'FALSE',
        payment_status: 'UNPAID',
        updated: null,
        affiliate: { id: 'p1', code: '123ab', first_name: 'John', last_name: 'Smith', email: 'john@example.com' },
        payment_id: null,
        offer: { id: P, name: 'Standard Affiliate Commission', type: 'PERCENT_OF_SALE', amount: '10' },
        customer: { name: 'Jane Doe', email: 'jane@example.com', browser_ip: '' },
        coupon_code: 'SPRING',
        order_id: '1022',
        subscription_id: null,
        reason: null,
        notes: null,
        'product names': 'SKU-1',
        click: { created: null, referer: null, landed_url: null, ip: null, sub_id: null, creative_id: null },
        source: 'INCOMING_WEBHOOK',
      },
    });
  });

  it('approved and denied bodies show the new status, the update time and the denial reason', () => {
    const approvedBody = last(run([program(), partner(), customer(), recorded(), created(), approved()]))!.body as any;
    expect(approvedBody).toMatchObject({ status: 'APPROVED', updated: '2020-02-15 09:00:00', reason: null, created: '2020-02-14 18:48:42', source: 'API' });
    const deniedBody = last(run([program(), partner(), customer(), recorded(), created(), denied()]))!.body as any;
    expect(deniedBody).toMatchObject({ status: 'DENIED', updated: '2020-02-16 10:00:00', reason: 'fraud', denied_reason_code: null });
  });

  it('a reopened conversion publishes nothing; the next approval shows it APPROVED, the denial reason gone, net of the catch-up reversal', () => {
    const reopened = ev(
      'ConversionReopened',
      {
        programId: P,
        conversionId: 'cv_1022',
        transactionKey: '1022',
        partnerId: 'p1',
        currency: 'USD',
        reason: 'proved real',
        commissions: commissions(1306),
        reversals: [{ partnerId: 'p1', level: 1, amountMinor: 306 }],
      },
      { at: '2020-02-17T08:00:00Z' },
    );
    const payloads = run([program(), partner(), customer(), recorded(), created(), denied(), reopened, approved('1022', '2020-02-18T09:00:00Z')]);
    expect(payloads.at(-2)).toBeNull();
    expect(last(payloads)).toMatchObject({ topic: 'APPROVED_CONVERSION', body: { status: 'APPROVED', reason: null, updated: '2020-02-18 09:00:00', commission_total: '10.00' } });
  });

  it('commission_total is the level-1 commission net of refunds, as of the event', () => {
    const refund = ev('TransactionRefunded', {
      programId: P,
      transactionKey: '1022',
      refundId: 'r1',
      amountMinor: 6528,
      refundedTotalMinor: 6528,
      fullyRefunded: false,
      currency: 'USD',
      conversionId: 'cv_1022',
      conversionStatus: 'PENDING',
      reversals: [
        { partnerId: 'p1', level: 1, amountMinor: 653 },
        { partnerId: 'p0', level: 2, amountMinor: 327 },
      ],
    });
    const payloads = run([program(), partner(), customer(), recorded(), created(), refund, approved()]);
    expect((payloads[4]!.body as any).commission_total).toBe('13.06');
    expect(payloads[5]).toBeNull(); // a refund is not a topic
    expect(payloads[6]!.body).toMatchObject({ commission_total: '6.53', total: '130.55', status: 'APPROVED' });
  });

  it('formats amounts with the currency’s digits (two for USD, none for JPY)', () => {
    const jpy = [
      program({ currency: 'JPY', commission: { type: 'FLAT_RATE', amount: '500' } }),
      partner(),
      customer(),
      recorded('J1', 1000, { currency: 'JPY' }),
      { ...created('J1', 1000, 500), data: { ...created('J1', 1000, 500).data, currency: 'JPY' } },
    ];
    expect(last(run(jpy))!.body).toMatchObject({ total: '1000', commission_total: '500', currency: 'JPY', offer: { type: 'FLAT_RATE', amount: '500' } });
  });

  it('shows the affiliate as of the event: a later rename does not leak into an earlier payload', () => {
    const view = new PublisherView();
    const rename = ev('PartnerDetailsUpdated', { programId: P, partnerId: 'p1', changes: { name: 'Johnny Walker', email: 'jw@example.com' }, previousEmail: 'john@example.com' });
    const payloads = run([program(), partner(), customer(), recorded(), created(), rename, approved()], view);
    expect((payloads[4]!.body as any).affiliate).toMatchObject({ first_name: 'John', last_name: 'Smith', email: 'john@example.com' });
    expect((payloads[6]!.body as any).affiliate).toMatchObject({ first_name: 'Johnny', last_name: 'Walker', email: 'jw@example.com' });
  });

  it('keeps programs apart', () => {
    const other = (e: RecordedEvent) => ({ ...e, data: { ...e.data, programId: 'prog2' } });
    const events = [program(), other(program({ name: 'Other' })), partner(), other(partner({ name: 'Someone Else', key: 'zz' })), customer(), recorded(), created()];
    expect(last(run(events))!.body).toMatchObject({ affiliate: { code: '123ab', first_name: 'John' }, offer: { name: 'Standard Affiliate Commission' } });
  });
});

describe('affiliate bodies', () => {
  it('NEW_AFFILIATE maps the partner, its details, custom fields and the program as offer', () => {
    const payload = last(run([program(), partner({}, { source: 'incoming-webhook' })]));
    expect(payload).toEqual({
      topic: 'NEW_AFFILIATE',
      body: {
        id: 'p1',
        code: '123ab',
        status: 'PENDING',
        last_login: '0000-00-00 00:00:00',
        last_conversion: '0000-00-00 00:00:00',
        first_name: 'John',
        last_name: 'Smith',
        email: 'john@example.com',
        paypal_email: 'pay@example.com',
        company: '',
        address_1: '123 Street Road',
        address_2: 'Suite 7',
        city: 'New York',
        state: 'NY',
        zip: '11111',
        country: '',
        phone_number: '',
        source: 'INCOMING_WEBHOOK',
        custom_fields: [{ id: expect.stringMatching(/^cf_/), name: 'INSTAGRAM HANDLE', value: 'Bee_Handle' }],
        offer: { id: P, name: 'Standard Affiliate Commission' },
        is_marketplace_user: false,
      },
    });
  });

  it('status changes, details changes and last_conversion follow the stream', () => {
    const details = ev('PartnerDetailsUpdated', {
      programId: P,
      partnerId: 'p1',
      changes: { details: { firstName: 'Jon', company: 'ACME', country: 'US', phone: '+1 555' } },
    });
    const payloads = run([program(), partner(), status('PENDING', 'ACTIVE'), customer(), recorded(), created(), details]);
    expect(payloads[2]).toMatchObject({ topic: 'AFFILIATE_STATUS_CHANGE', body: { status: 'ACTIVE', last_conversion: '0000-00-00 00:00:00' } });
    expect(payloads[6]).toMatchObject({
      topic: 'AFFILIATE_DETAILS_CHANGE',
      body: {
        first_name: 'Jon',
        last_name: 'Smith',
        company: 'ACME',
        country: 'US',
        phone_number: '+1 555',
        address_1: '', // details are replaced as a whole by the decider
        paypal_email: null,
        custom_fields: [],
        last_conversion: '2020-02-14 18:48:42',
      },
    });
    // The source stays the partner's origin, whatever changed it later.
    expect((payloads[6]!.body as any).source).toBe('API');
  });

  it('splits names on the first space unless details give first and last names', () => {
    expect(splitName('Jean-Claude Van Damme')).toEqual({ firstName: 'Jean-Claude', lastName: 'Van Damme' });
    expect(splitName('  Prince ')).toEqual({ firstName: 'Prince', lastName: '' });
    const payload = last(run([program(), partner({ name: 'Madonna', details: { firstName: 'Madonna Louise', lastName: 'Ciccone' } })]));
    expect(payload!.body).toMatchObject({ first_name: 'Madonna Louise', last_name: 'Ciccone' });
  });
});

describe('trigger bodies', () => {
  it('NEW_CONVERSION_TRIGGER', () => {
    expect(last(run([program(), partner(), trigger()]))).toEqual({
      topic: 'NEW_CONVERSION_TRIGGER',
      body: { id: 'tr1', affiliate_id: 'p1', trigger: 'customer@trigger.com', type: 'EMAIL' },
    });
  });
});

describe('payout bodies', () => {
  it('PAYOUT_CREATED, PAYOUT_PAID and PAYOUT_CANCELLED carry the batch, its status and each item with its affiliate', () => {
    const base = [program(), partner(), status('PENDING', 'ACTIVE'), customer(), recorded(), created(), approved(), payoutCreated()];
    const createdBody = last(run(base));
    expect(createdBody).toEqual({
      topic: 'PAYOUT_CREATED',
      body: {
        id: 'po_1',
        status: 'DRAFT',
        currency: 'USD',
        up_to: '2020-03-01 00:00:00',
        total: '13.06',
        reference: null,
        created: '2020-03-01 09:00:00',
        updated: null,
        offer: { id: P, name: 'Standard Affiliate Commission' },
        items: [
          {
            affiliate_id: 'p1',
            code: '123ab',
            email: 'john@example.com',
            first_name: 'John',
            last_name: 'Smith',
            paypal_email: 'pay@example.com',
            amount: '13.06',
            conversion_ids: ['cv_1022'],
          },
        ],
      },
    });
    expect(last(run([...base, payoutPaid('PAYPAL-7781')]))).toMatchObject({ topic: 'PAYOUT_PAID', body: { status: 'PAID', reference: 'PAYPAL-7781', updated: '2020-03-02 10:00:00' } });
    expect(last(run([...base, payoutCancelled()]))).toMatchObject({ topic: 'PAYOUT_CANCELLED', body: { status: 'CANCELLED', reference: null, updated: '2020-03-02 10:00:00' } });
  });
});

describe('ordering', () => {
  it('refuses a payload for an event other than the last applied, and ignores re-delivered events', () => {
    const view = new PublisherView();
    const [a, b] = [program(), partner()];
    view.apply(a);
    view.apply(b);
    expect(() => view.payloadFor(b)).not.toThrow();
    const later = status('PENDING', 'ACTIVE');
    view.apply(later);
    expect(() => view.payloadFor(b)).toThrow(/must directly follow apply/);
    expect(view.apply(b)).toBe(false); // older position: ignored
    expect(view.next(b)).toBeNull();
    expect(view.partner(P, 'p1')?.status).toBe('ACTIVE');
    expect(view.position).toBe(later.position);
  });

  it('returns null for events that are not topics', () => {
    const payloads = run([program(), customer(), recorded()]);
    expect(payloads).toEqual([null, null, null]);
  });
});
