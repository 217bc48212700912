import { COMMISSION_TYPES, PARTNER_STATUSES, TRIGGER_TYPES } from '@partner-ledger/domain';
import type { AffiliateBody, ConversionBody, ConversionTriggerBody, PayoutBody } from './bodies.js';
import type { EndpointCircuitBody } from './endpoint-bodies.js';
import { TOPICS, type Topic } from './topics.js';

/*
 * The catalogue of topics: for each, what it means, a JSON Schema (draft 2020-12, the dialect of
 * OpenAPI 3.1) of the body the engine sends, and an example body. The schemas are strict (every
 * key required, no others) so that the tests, which validate every body the engine sends against
 * its topic's schema, notice any drift between `bodies.ts` and this contract.
 */

export type JsonSchema = Record<string, unknown>;

export interface TopicEntry {
  topic: Topic;
  description: string;
  schema: JsonSchema;
  example: unknown;
}

const str: JsonSchema = { type: 'string' };
const nullableStr: JsonSchema = { type: ['string', 'null'] };
/** Refersion's date format, in UTC. */
const date: JsonSchema = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$', description: 'UTC, "YYYY-MM-DD hh:mm:ss"' };
/** Amounts are decimal strings with the currency's minor digits ("12.50", "1000" for JPY): exact at any size. */
const amount: JsonSchema = { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$', description: "decimal string with the currency's minor digits" };
const currency: JsonSchema = { type: 'string', pattern: '^[A-Z]{3}$' };

/** An object whose every listed key is required and no other is allowed. */
function object(properties: Record<string, JsonSchema>, description?: string): JsonSchema {
  return { type: 'object', ...(description ? { description } : {}), properties, required: Object.keys(properties), additionalProperties: false };
}
const constant = (value: unknown): JsonSchema => ({ const: value });

/**
 * The body of a topic about one partner carries `sequence`: its number among the payloads about
 * that partner queued for the receiving endpoint (1, 2, 3…, no gaps). The one key not required:
 * a replayed event never sent to the endpoint before, and bodies queued before sequences, lack it.
 */
function withSequence(schema: JsonSchema): JsonSchema {
  const sequence: JsonSchema = {
    type: 'integer',
    minimum: 1,
    description: "This body's number among the payloads about its partner queued for this endpoint: 1, 2, 3… with no gaps",
  };
  return { ...schema, properties: { ...(schema.properties as Record<string, JsonSchema>), sequence } };
}
const oneOf = (values: readonly (string | null)[]): JsonSchema => ({ enum: [...values] });

const CONVERSION_SCHEMA = withSequence(
  object(
    {
      id: str,
      created: date,
      status: oneOf(['PENDING', 'APPROVED', 'DENIED']),
      denied_reason_code: { type: 'null' },
      is_recurring: constant(false),
      total_items: str,
      total: amount,
      commission_total: amount,
      currency,
      is_test_conversion: constant('FALSE'),
      payment_status: oneOf(['UNPAID', 'PAID']),
      updated: { oneOf: [date, { type: 'null' }] },
      affiliate: object({ id: str, code: str, first_name: str, last_name: str, email: str }),
      payment_id: nullableStr,
      offer: object({ id: str, name: str, type: oneOf([...COMMISSION_TYPES, '']), amount: str }),
      customer: object({ name: str, email: str, browser_ip: str }),
      coupon_code: nullableStr,
      order_id: str,
      subscription_id: { type: 'null' },
      reason: nullableStr,
      notes: nullableStr,
      'product names': nullableStr,
      click: object({ created: { type: 'null' }, referer: { type: 'null' }, landed_url: { type: 'null' }, ip: { type: 'null' }, sub_id: { type: 'null' }, creative_id: { type: 'null' } }),
      source: str,
    },
    'A conversion (Refersion shape): amounts are decimal strings',
  ),
);

const AFFILIATE_SCHEMA = withSequence(
  object(
    {
      id: str,
      code: str,
      status: oneOf(PARTNER_STATUSES),
      last_login: date,
      last_conversion: date,
      first_name: str,
      last_name: str,
      email: str,
      paypal_email: nullableStr,
      company: str,
      address_1: str,
      address_2: str,
      city: str,
      state: str,
      zip: str,
      country: str,
      phone_number: str,
      source: str,
      custom_fields: { type: 'array', items: object({ id: str, name: str, value: str }) },
      offer: object({ id: str, name: str }),
      is_marketplace_user: constant(false),
    },
    'An affiliate (partner), Refersion shape; "0000-00-00 00:00:00" stands for never',
  ),
);

const TRIGGER_SCHEMA = withSequence(object({ id: str, affiliate_id: str, trigger: str, type: oneOf(TRIGGER_TYPES) }, 'A conversion trigger (coupon, email or SKU) of an affiliate'));

const PAYOUT_SCHEMA = object(
  {
    id: str,
    status: oneOf(['DRAFT', 'PAID', 'CANCELLED']),
    currency,
    up_to: date,
    total: amount,
    reference: nullableStr,
    created: date,
    updated: { oneOf: [date, { type: 'null' }] },
    offer: object({ id: str, name: str }),
    items: {
      type: 'array',
      items: object({ affiliate_id: str, code: str, email: str, first_name: str, last_name: str, paypal_email: nullableStr, amount, conversion_ids: { type: 'array', items: str } }),
    },
  },
  'A payout batch (our own topic, in the Refersion style)',
);

const CONVERSION_EXAMPLE: ConversionBody = {
  id: 'cv_VC0xMDIy',
  created: '2026-03-01 09:15:02',
  status: 'PENDING',
  denied_reason_code: null,
  is_recurring: false,
  total_items: '1',
  total: '120.00',
  commission_total: '12.00',
  currency: 'EUR',
  is_test_conversion: 'FALSE',
  payment_status: 'UNPAID',
  updated: null,
  affiliate: { id: 'par_0a1b2c3d4e5f60718293', code: 'K7M2Q9TX', first_name: 'John', last_name: 'Smith', email: 'john@example.com' },
  payment_id: null,
  offer: { id: 'prg_3b1d0c9e8f7a6b5c4d3e', name: 'Standard Affiliate Commission', type: 'PERCENT_OF_SALE', amount: '10' },
  customer: { name: 'Ada Lovelace', email: 'ada@example.com', browser_ip: '' },
  coupon_code: 'JOHN10',
  order_id: 'A-1022',
  subscription_id: null,
  reason: null,
  notes: null,
  'product names': 'sku-123',
  click: { created: null, referer: null, landed_url: null, ip: null, sub_id: null, creative_id: null },
  source: 'API',
};

const AFFILIATE_EXAMPLE: AffiliateBody = {
  id: 'par_0a1b2c3d4e5f60718293',
  code: 'K7M2Q9TX',
  status: 'ACTIVE',
  last_login: '0000-00-00 00:00:00',
  last_conversion: '2026-03-01 09:15:02',
  first_name: 'John',
  last_name: 'Smith',
  email: 'john@example.com',
  paypal_email: 'john.pay@example.com',
  company: 'Smith & Co',
  address_1: '1 Main St',
  address_2: '',
  city: 'Springfield',
  state: 'IL',
  zip: '62701',
  country: 'US',
  phone_number: '',
  source: 'API',
  custom_fields: [{ id: 'cf_VGlrVG9r', name: 'TikTok', value: '@john' }],
  offer: { id: 'prg_3b1d0c9e8f7a6b5c4d3e', name: 'Standard Affiliate Commission' },
  is_marketplace_user: false,
};

const TRIGGER_EXAMPLE: ConversionTriggerBody = { id: 'ct_5e4d3c2b1a', affiliate_id: 'par_0a1b2c3d4e5f60718293', trigger: 'JOHN10', type: 'COUPON' };

const PAYOUT_EXAMPLE: PayoutBody = {
  id: 'po_8f2c1e9a0b7d4c3e2f1a',
  status: 'DRAFT',
  currency: 'EUR',
  up_to: '2026-03-01 00:00:00',
  total: '12.00',
  reference: null,
  created: '2026-03-01 09:15:02',
  updated: null,
  offer: { id: 'prg_3b1d0c9e8f7a6b5c4d3e', name: 'Standard Affiliate Commission' },
  items: [
    {
      affiliate_id: 'par_0a1b2c3d4e5f60718293',
      code: 'K7M2Q9TX',
      email: 'john@example.com',
      first_name: 'John',
      last_name: 'Smith',
      paypal_email: null,
      amount: '12.00',
      conversion_ids: ['cv_VC0xMDIy'],
    },
  ],
};

const CIRCUIT_SCHEMA = object({
  endpoint_id: str,
  url: str,
  state: oneOf(['OPEN', 'CLOSED']),
  consecutive_failures: { type: 'integer', minimum: 0 },
  changed: date,
  next_probe: { oneOf: [date, { type: 'null' }] },
  reason: str,
});

const CIRCUIT_OPENED_EXAMPLE: EndpointCircuitBody = {
  endpoint_id: 'whe_4f3e2d1c0b9a8f7e6d5c',
  url: 'https://hooks.example.com/partner-ledger',
  state: 'OPEN',
  consecutive_failures: 20,
  changed: '2026-03-01 09:15:02',
  next_probe: '2026-03-01 09:15:32',
  reason: '20 failed attempts in a row: nothing is sent until a probe succeeds',
};

const ENTRIES: Record<Topic, Omit<TopicEntry, 'topic'>> = {
  NEW_CONVERSION: { description: 'A conversion was created (pending, or approved/denied at once by a rule).', schema: CONVERSION_SCHEMA, example: { ...CONVERSION_EXAMPLE, sequence: 1 } },
  APPROVED_CONVERSION: {
    description: 'A conversion was approved (by hand, by auto-approval, or by a rule).',
    schema: CONVERSION_SCHEMA,
    example: { ...CONVERSION_EXAMPLE, status: 'APPROVED', updated: '2026-03-15 10:00:00', sequence: 2 },
  },
  DENIED_CONVERSION: {
    description: 'A conversion was denied (by hand, by a rule, or by a full refund); `reason` says why.',
    schema: CONVERSION_SCHEMA,
    example: { ...CONVERSION_EXAMPLE, status: 'DENIED', updated: '2026-03-15 10:00:00', reason: 'fraud', commission_total: '0.00', sequence: 2 },
  },
  NEW_AFFILIATE: {
    description: 'A partner (affiliate) was created.',
    schema: AFFILIATE_SCHEMA,
    example: { ...AFFILIATE_EXAMPLE, status: 'PENDING', last_conversion: '0000-00-00 00:00:00', sequence: 1 },
  },
  AFFILIATE_STATUS_CHANGE: { description: "A partner's status changed (PENDING, ACTIVE, DENIED, DISABLED).", schema: AFFILIATE_SCHEMA, example: { ...AFFILIATE_EXAMPLE, sequence: 5 } },
  AFFILIATE_DETAILS_CHANGE: {
    description: "A partner's details (name, address, payout email, custom fields…) changed.",
    schema: AFFILIATE_SCHEMA,
    example: { ...AFFILIATE_EXAMPLE, sequence: 5 },
  },
  NEW_CONVERSION_TRIGGER: { description: 'A conversion trigger (coupon, email or SKU) was assigned to a partner.', schema: TRIGGER_SCHEMA, example: { ...TRIGGER_EXAMPLE, sequence: 2 } },
  PAYOUT_CREATED: { description: 'A payout batch was drafted (ours: Refersion has no payout webhooks).', schema: PAYOUT_SCHEMA, example: PAYOUT_EXAMPLE },
  PAYOUT_PAID: {
    description: 'A payout batch was confirmed as paid; its conversions are now PAID (ours).',
    schema: PAYOUT_SCHEMA,
    example: { ...PAYOUT_EXAMPLE, status: 'PAID', reference: 'SEPA-2026-03-02', updated: '2026-03-02 08:00:00' },
  },
  PAYOUT_CANCELLED: {
    description: 'A drafted payout batch was cancelled; its conversions are payable again (ours).',
    schema: PAYOUT_SCHEMA,
    example: { ...PAYOUT_EXAMPLE, status: 'CANCELLED', updated: '2026-03-02 08:00:00' },
  },
  ENDPOINT_CIRCUIT_OPENED: {
    description:
      "Another endpoint of the program failed consistently (WEBHOOK_CIRCUIT_FAILURES attempts in a row): its circuit opened, nothing is sent to it, and one delivery probes it every WEBHOOK_CIRCUIT_PROBE_INTERVAL (ours, like Svix's endpoint.disabled). Not sent to the endpoint itself.",
    schema: CIRCUIT_SCHEMA,
    example: CIRCUIT_OPENED_EXAMPLE,
  },
  ENDPOINT_CIRCUIT_CLOSED: {
    description: 'A probe (or any delivery) to an endpoint whose circuit was open succeeded: sending to it resumed, what waited goes out (ours).',
    schema: CIRCUIT_SCHEMA,
    example: { ...CIRCUIT_OPENED_EXAMPLE, state: 'CLOSED', consecutive_failures: 0, changed: '2026-03-01 09:16:02', next_probe: null, reason: 'a delivery succeeded: sending resumed' },
  },
};

/** Every topic the engine sends, in `TOPICS` order, with its description, body schema and example. */
export const TOPIC_CATALOGUE: readonly TopicEntry[] = TOPICS.map((topic) => ({ topic, ...ENTRIES[topic] }));

/** The catalogue entry of one topic. */
export function topicEntry(topic: Topic): TopicEntry {
  return { topic, ...ENTRIES[topic] };
}
