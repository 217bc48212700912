import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_KEY, startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { email, expectNoNewEvents, expectProblem, expectRefused, newProgram, type ProgramClient, uniq } from '@partner-ledger/testing';

/**
 * Hostile and careless bodies on every route that takes one: each is a 4xx problem naming the
 * field and why, never a 500, and nothing is appended.
 */
describe('bad input over HTTP', () => {
  let engine: TestEngine;
  let program: ProgramClient;
  let partner: any;
  let customer: any;
  let tx: any;
  beforeAll(async () => {
    engine = await startTestEngine();
    program = await newProgram(engine);
    ({ partner, customer, tx } = await program.sale('100'));
  });
  afterAll(async () => engine.stop());

  const LONG = 'x'.repeat(10_000);
  const MIB = 1024 * 1024;

  interface Route {
    name: string;
    method: string;
    path: () => string;
    key: () => string;
    /** A body the route would accept. */
    valid: () => Record<string, unknown>;
    /** [label, code, field, body]: a body object, or raw JSON text when a string. */
    cases: () => [string, string, string, Record<string, unknown> | string][];
  }

  const routes: Route[] = [
    {
      name: 'POST /programs',
      method: 'POST',
      path: () => '/v1/programs',
      key: () => ADMIN_KEY,
      valid: () => ({ name: 'P', currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' } }),
      cases: () => {
        const v = { name: 'P', currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' } };
        const flat = (amount: unknown) => ({ ...v, commission: { type: 'FLAT_RATE', amount } });
        return [
          ['name missing', 'validation_failed', 'name', { currency: 'USD', commission: v.commission }],
          ['currency missing', 'validation_failed', 'currency', { name: 'P', commission: v.commission }],
          ['commission missing', 'validation_failed', 'commission', { name: 'P', currency: 'USD' }],
          ['name: 42', 'validation_failed', 'name', { ...v, name: 42 }],
          ['name: 10,000 chars', 'validation_failed', 'name', { ...v, name: LONG }],
          ['currency: 42', 'validation_failed', 'currency', { ...v, currency: 42 }],
          ['currency: "XYZ"', 'unknown_currency', 'currency', { ...v, currency: 'XYZ' }],
          ['currency: "usd"', 'unknown_currency', 'currency', { ...v, currency: 'usd' }],
          ['commission: "x"', 'validation_failed', 'commission', { ...v, commission: 'x' }],
          ['commission: []', 'invalid_commission_type', 'commission.type', { ...v, commission: [] }],
          ['commission.type: 42', 'validation_failed', 'commission.type', { ...v, commission: { type: 42, amount: '10' } }],
          ['commission.amount: true', 'validation_failed', 'commission.amount', { ...v, commission: { type: 'PERCENT_OF_SALE', amount: true } }],
          ['commission.amount: -5', 'invalid_rate', 'commission.amount', { ...v, commission: { type: 'PERCENT_OF_SALE', amount: -5 } }],
          ['commission.amount: 1e20 %', 'invalid_rate', 'commission.amount', { ...v, commission: { type: 'PERCENT_OF_SALE', amount: 1e20 } }],
          ['commission.foo (nested unknown)', 'validation_failed', 'commission.foo', { ...v, commission: { ...v.commission, foo: 1 } }],
          ['flat amount: 0', 'invalid_amount', 'commission.amount', flat(0)],
          ['flat amount: "-1.00"', 'invalid_amount', 'commission.amount', flat('-1.00')],
          ['flat amount: "1.001" USD', 'invalid_amount', 'commission.amount', flat('1.001')],
          ['flat amount: "99999999999999999999"', 'invalid_amount', 'commission.amount', flat('99999999999999999999')],
          ['flat amount: 1e20', 'invalid_amount', 'commission.amount', flat(1e20)],
          ['tiers: "x"', 'validation_failed', 'tiers', { ...v, tiers: 'x' }],
          ['tiers: [1]', 'validation_failed', 'tiers.0', { ...v, tiers: [1] }],
          ['tiers.0.level: "2"', 'validation_failed', 'tiers.0.level', { ...v, tiers: [{ level: '2', amount: '5' }] }],
          ['tiers.0.amount missing', 'validation_failed', 'tiers.0.amount', { ...v, tiers: [{ level: 2 }] }],
          ['tiers.0.foo (nested unknown)', 'validation_failed', 'tiers.0.foo', { ...v, tiers: [{ level: 2, amount: '5', foo: 1 }] }],
          ['tiers: 10 of them', 'validation_failed', 'tiers', { ...v, tiers: Array.from({ length: 10 }, (_, i) => ({ level: i + 2, amount: '1' })) }],
          ['unknown field', 'validation_failed', 'apiKey', { ...v, apiKey: 'mine' }],
        ];
      },
    },
    {
      name: 'POST /partners',
      method: 'POST',
      path: () => program.path('/partners'),
      key: () => program.key,
      valid: () => ({ email: email('bad'), name: 'P' }),
      cases: () => [
        ['email missing', 'validation_failed', 'email', { name: 'P' }],
        ['name missing', 'validation_failed', 'name', { email: email() }],
        ['name: 42', 'validation_failed', 'name', { email: email(), name: 42 }],
        ['name: null', 'validation_failed', 'name', { email: email(), name: null }],
        ['name: 10,000 chars', 'validation_failed', 'name', { email: email(), name: LONG }],
        ['email: 10,000 chars', 'validation_failed', 'email', { email: `${LONG}@example.com`, name: 'P' }],
        ['email: ["a@b.co"]', 'validation_failed', 'email', { email: ['a@b.co'], name: 'P' }],
        ['email: "a@b"', 'invalid_email', 'email', { email: 'a@b', name: 'P' }],
        ['key: 10,000 chars', 'validation_failed', 'key', { email: email(), name: 'P', key: LONG }],
        ['key: "../etc"', 'invalid_key', 'key', { email: email(), name: 'P', key: '../etc' }],
        ['id: {}', 'validation_failed', 'id', { email: email(), name: 'P', id: {} }],
        ['status: 42', 'validation_failed', 'status', { email: email(), name: 'P', status: 42 }],
        ['details: "x"', 'validation_failed', 'details', { email: email(), name: 'P', details: 'x' }],
        ['referringPartnerKey: 42', 'validation_failed', 'referringPartnerKey', { email: email(), name: 'P', referringPartnerKey: 42 }],
        ['unknown field', 'validation_failed', 'foo', { email: email(), name: 'P', foo: 1 }],
      ],
    },
    {
      name: 'PATCH /partners/:id',
      method: 'PATCH',
      path: () => program.path(`/partners/${partner.id}`),
      key: () => program.key,
      valid: () => ({ name: uniq('Renamed ') }),
      cases: () => [
        ['name: 42', 'validation_failed', 'name', { name: 42 }],
        ['name: 10,000 chars', 'validation_failed', 'name', { name: LONG }],
        ['email: 42', 'validation_failed', 'email', { email: 42 }],
        ['email: "nope"', 'invalid_email', 'email', { email: 'nope' }],
        ['details: []', 'validation_failed', 'details', { details: [] }],
        ['details.foo (nested unknown)', 'unknown_field', 'details.foo', { details: { foo: 'x' } }],
        ['details.city: 10,000 chars', 'too_long', 'details.city', { details: { city: LONG } }],
        ['details.city: 42', 'invalid_text', 'details.city', { details: { city: 42 } }],
        ['details.paypalEmail: "nope"', 'invalid_email', 'details.paypalEmail', { details: { paypalEmail: 'nope' } }],
        ['details.customFields: "x"', 'invalid_custom_fields', 'details.customFields', { details: { customFields: 'x' } }],
        ['unknown field', 'validation_failed', 'status', { status: 'DISABLED' }],
      ],
    },
    {
      name: 'POST /partners/:id/status',
      method: 'POST',
      path: () => program.path(`/partners/${partner.id}/status`),
      key: () => program.key,
      valid: () => ({ status: 'ACTIVE' }),
      cases: () => [
        ['status missing', 'validation_failed', 'status', {}],
        ['status: 42', 'validation_failed', 'status', { status: 42 }],
        ['status: "x"', 'validation_failed', 'status', { status: 'x' }],
        ['reason: 10,000 chars', 'validation_failed', 'reason', { status: 'DISABLED', reason: LONG }],
        ['unknown field', 'validation_failed', 'at', { status: 'DISABLED', at: 'now' }],
      ],
    },
    {
      name: 'POST /customers',
      method: 'POST',
      path: () => program.path('/customers'),
      key: () => program.key,
      valid: () => ({ email: email('bad'), name: 'C' }),
      cases: () => [
        ['email missing', 'validation_failed', 'email', { name: 'C' }],
        ['name missing', 'validation_failed', 'name', { email: email() }],
        ['name: 42', 'validation_failed', 'name', { email: email(), name: 42 }],
        ['name: 10,000 chars', 'validation_failed', 'name', { email: email(), name: LONG }],
        ['key: 10,000 chars', 'validation_failed', 'key', { email: email(), name: 'C', key: LONG }],
        ['key: "a b"', 'invalid_key', 'key', { email: email(), name: 'C', key: 'a b' }],
        ['partner: "x"', 'validation_failed', 'partner', { email: email(), name: 'C', partner: 'x' }],
        ['partner.foo (nested unknown)', 'validation_failed', 'partner.foo', { email: email(), name: 'C', partner: { key: '$PARTNER_KEY', foo: 1 } }],
        ['partner.email: 10,000 chars', 'validation_failed', 'partner.email', { email: email(), name: 'C', partner: { email: LONG } }],
        ['referringCustomer.bar (nested unknown)', 'validation_failed', 'referringCustomer.bar', { email: email(), name: 'C', referringCustomer: { key: '$CUSTOMER_KEY', bar: 1 } }],
        ['unknown field', 'validation_failed', 'foo', { email: email(), name: 'C', foo: 1 }],
      ],
    },
    {
      name: 'POST /transactions',
      method: 'POST',
      path: () => program.path('/transactions'),
      key: () => program.key,
      valid: () => ({ customerKey: customer.key, amount: '1.00', key: uniq('ok-') }),
      cases: () => {
        const t = (amount: unknown, extra: Record<string, unknown> = {}) => ({ customerKey: '$CUSTOMER_KEY', amount, ...extra });
        const raw = (amount: string) => `{"customerKey":"$CUSTOMER_KEY","amount":${amount}}`;
        return [
          ['customerKey missing', 'validation_failed', 'customerKey', { amount: '1' }],
          ['amount missing', 'validation_failed', 'amount', { customerKey: '$CUSTOMER_KEY' }],
          ['customerKey: 42', 'validation_failed', 'customerKey', { customerKey: 42, amount: '1' }],
          ['amount: true', 'validation_failed', 'amount', t(true)],
          ['amount: null', 'validation_failed', 'amount', t(null)],
          ['amount: {}', 'validation_failed', 'amount', t({})],
          ['amount: ["1"]', 'validation_failed', 'amount', t(['1'])],
          ['amount: 33 chars', 'validation_failed', 'amount', t('1'.repeat(33))],
          ['amount: -1', 'invalid_amount', 'amount', t(-1)],
          ['amount: "-0.01"', 'invalid_amount', 'amount', t('-0.01')],
          ['amount: 0', 'invalid_amount', 'amount', t(0)],
          ['amount: "0.00"', 'invalid_amount', 'amount', t('0.00')],
          ['amount: -0 (raw)', 'invalid_amount', 'amount', raw('-0')],
          ['amount: 1e20', 'invalid_amount', 'amount', t(1e20)],
          ['amount: 1e21 (exponent)', 'invalid_amount', 'amount', t(1e21)],
          // Amounts are judged by the JSON text itself: numbers and strings alike, never through a float.
          ['amount: 1E400 (raw, Infinity)', 'invalid_amount', 'amount', raw('1E400')],
          ['amount: 1e3 (raw exponent)', 'invalid_amount', 'amount', raw('1e3')],
          ['amount: 1E3 (raw exponent)', 'invalid_amount', 'amount', raw('1E3')],
          ['amount: 149.99000000000001 (raw, a float would give 149.99)', 'invalid_amount', 'amount', raw('149.99000000000001')],
          ['amount: 1.500 (raw, three decimals for USD)', 'invalid_amount', 'amount', raw('1.500')],
          ['amount: "149.99000000000001"', 'invalid_amount', 'amount', t('149.99000000000001')],
          ['amount: " 149.99" (padded)', 'invalid_amount', 'amount', t(' 149.99')],
          ['amount: "149.99 " (padded)', 'invalid_amount', 'amount', t('149.99 ')],
          ['amount: "0149.99" (leading zero)', 'invalid_amount', 'amount', t('0149.99')],
          ['amount: "99999999999999999999"', 'invalid_amount', 'amount', t('99999999999999999999')],
          ['amount: "1000000000000.01" (over the maximum)', 'invalid_amount', 'amount', t('1000000000000.01')],
          ['amount: "1.001" USD', 'invalid_amount', 'amount', t('1.001')],
          ['amount: 0.1 + 0.2', 'invalid_amount', 'amount', t(0.1 + 0.2)],
          ['amount: "1e5"', 'invalid_amount', 'amount', t('1e5')],
          ['amount: "1,000.00"', 'invalid_amount', 'amount', t('1,000.00')],
          ['amount: "NaN"', 'invalid_amount', 'amount', t('NaN')],
          ['currency: "XYZ"', 'unknown_currency', 'currency', t('1', { currency: 'XYZ' })],
          ['currency: "usd"', 'unknown_currency', 'currency', t('1', { currency: 'usd' })],
          ['currency: 840', 'validation_failed', 'currency', t('1', { currency: 840 })],
          ['key: 10,000 chars', 'validation_failed', 'key', t('1', { key: LONG })],
          ['key: "a b"', 'invalid_key', 'key', t('1', { key: 'a b' })],
          ['productId: 10,000 chars', 'validation_failed', 'productId', t('1', { productId: LONG })],
          ['couponCode: 10,000 chars', 'validation_failed', 'couponCode', t('1', { couponCode: LONG })],
          ['partnerKey: 42', 'validation_failed', 'partnerKey', t('1', { partnerKey: 42 })],
          ['unknown field', 'validation_failed', 'tax', t('1', { tax: '0.10' })],
        ];
      },
    },
    {
      name: 'POST /conversions/:id/deny',
      method: 'POST',
      path: () => program.path(`/conversions/${tx.conversion.id}/deny`),
      key: () => program.key,
      // Denying would change the conversion the other routes use: the valid body is only sent as
      // the base of an oversized one.
      valid: () => ({ reason: 'r' }),
      cases: () => [
        ['reason: 42', 'validation_failed', 'reason', { reason: 42 }],
        ['reason: 10,000 chars', 'validation_failed', 'reason', { reason: LONG }],
        ['unknown field', 'validation_failed', 'foo', { foo: 1 }],
      ],
    },
    {
      name: 'POST /transactions/:key/refund',
      method: 'POST',
      path: () => program.path(`/transactions/${tx.key}/refund`),
      key: () => program.key,
      valid: () => ({ amount: '0.01' }),
      cases: () => [
        ['amount: true', 'validation_failed', 'amount', { amount: true }],
        ['amount: -1', 'invalid_amount', 'amount', { amount: -1 }],
        ['amount: 0', 'invalid_amount', 'amount', { amount: 0 }],
        ['amount: 1e20', 'invalid_amount', 'amount', { amount: 1e20 }],
        ['amount: "99999999999999999999"', 'invalid_amount', 'amount', { amount: '99999999999999999999' }],
        ['amount: "1.001"', 'invalid_amount', 'amount', { amount: '1.001' }],
        ['amount: 33 chars', 'validation_failed', 'amount', { amount: '1'.repeat(33) }],
        ['unknown field', 'validation_failed', 'currency', { amount: '1', currency: 'USD' }],
      ],
    },
    {
      name: 'POST /conversion-triggers',
      method: 'POST',
      path: () => program.path('/conversion-triggers'),
      key: () => program.key,
      valid: () => ({ partnerId: '$PARTNER_ID', type: 'COUPON', trigger: uniq('OK') }),
      cases: () => [
        ['partnerId missing', 'validation_failed', 'partnerId', { type: 'COUPON', trigger: 'T1' }],
        ['partnerId: 42', 'validation_failed', 'partnerId', { partnerId: 42, type: 'COUPON', trigger: 'T1' }],
        ['type: 42', 'validation_failed', 'type', { partnerId: '$PARTNER_ID', type: 42, trigger: 'T1' }],
        ['trigger: 10,000 chars', 'validation_failed', 'trigger', { partnerId: '$PARTNER_ID', type: 'COUPON', trigger: LONG }],
        ['trigger: ["T1"]', 'validation_failed', 'trigger', { partnerId: '$PARTNER_ID', type: 'COUPON', trigger: ['T1'] }],
        ['trigger with a tab', 'invalid_trigger', 'trigger', { partnerId: '$PARTNER_ID', type: 'SKU', trigger: 'A\tB' }],
        ['trigger non-ASCII', 'invalid_trigger', 'trigger', { partnerId: '$PARTNER_ID', type: 'COUPON', trigger: 'ÉTÉ10' }],
        ['unknown field', 'validation_failed', 'foo', { partnerId: '$PARTNER_ID', type: 'COUPON', trigger: 'T1', foo: 1 }],
      ],
    },
  ];

  /** Cases are listed before the fixtures exist: `$NAME` placeholders are filled in when sent. */
  const fill = (text: string) => text.replaceAll('$CUSTOMER_KEY', customer.key).replaceAll('$PARTNER_KEY', partner.key).replaceAll('$PARTNER_ID', partner.id);
  const send = (route: Route, body: unknown) => engine.call(route.method, route.path(), fill(typeof body === 'string' ? body : JSON.stringify(body)), route.key());

  describe.each(routes.map((r) => [r.name, r] as const))('%s', (_name, route) => {
    it('malformed JSON → 400 malformed_json', async () => {
      for (const raw of ['{"name": ', '{name: "x"}', "{'a': 1}", '{"a": 1,}', 'nul']) {
        await expectRefused(engine, () => send(route, raw), 400, 'malformed_json');
      }
    });

    it('an empty JSON body → 400 malformed_json', async () => {
      await expectRefused(engine, () => send(route, ''), 400, 'malformed_json');
    });

    it('a body over 1 MiB → 413 payload_too_large', async () => {
      const body = JSON.stringify({ ...route.valid(), padding: 'x'.repeat(MIB + 1024) });
      await expectRefused(engine, () => send(route, body), 413, 'payload_too_large');
    });

    it('JSON nested past 64 levels → 400 json_too_deep (arrays 1,300 deep, objects 2,400), never a 500', async () => {
      const valid = JSON.stringify(route.valid());
      for (const nested of ['['.repeat(1300) + ']'.repeat(1300), '{"a":'.repeat(2400) + '1' + '}'.repeat(2400)]) {
        await expectRefused(engine, () => send(route, valid.replace(/^\{/, `{"deep":${nested},`)), 400, 'json_too_deep');
      }
    });

    it('more than 10,000 object keys → 400 json_too_many_keys', async () => {
      const keys = Array.from({ length: 10_001 }, (_, k) => `"k${k}":0`).join(',');
      await expectRefused(engine, () => send(route, JSON.stringify(route.valid()).replace(/^\{/, `{"extra":{${keys}},`)), 400, 'json_too_many_keys');
    });

    it('a JSON array or scalar instead of an object → 400', async () => {
      for (const raw of ['[]', '"x"', '42', 'true', `[${JSON.stringify(route.valid())}]`]) {
        const before = await engine.eventCount();
        const res = await send(route, raw);
        expect({ raw, status: res.status, code: res.body?.code }).toEqual({ raw, status: 400, code: 'validation_failed' });
        expectProblem(res, 400, 'validation_failed');
        expect(await engine.eventCount()).toBe(before);
      }
    });

    it('a __proto__ key → 4xx, never a 500', async () => {
      const raw = JSON.stringify(route.valid()).replace(/^\{/, '{"__proto__":{"admin":true},');
      const before = await engine.eventCount();
      const res = await send(route, raw);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await engine.eventCount()).toBe(before);
    });

    it.each(route.cases())('%s → 400 %s naming %s', async (_label, code, field, body) => {
      await expectRefused(engine, () => send(route, body), 400, code, field);
    });
  });

  describe('refusals decided after reservations', () => {
    // The decider runs once before any key or email is reserved (see partners.e2e.spec.ts), so a
    // refusal it decides leaves no ValueReserved/ValueReleased pair behind.
    it('POST /customers with a blank name is a 400 invalid_name', async () => {
      const res = await program.post('/customers', { email: email(), name: '   ' });
      expectProblem(res, 400, 'invalid_name', 'name');
    });
    it('POST /customers with a blank name appends nothing (decided before the reservations)', async () => {
      await expectRefused(engine, () => program.post('/customers', { email: email(), name: '   ' }), 400, 'invalid_name', 'name');
    });
    it('POST /partners with details.foo is a 400 unknown_field naming details.foo (appends: see partners.e2e.spec.ts)', async () => {
      const res = await program.post('/partners', { email: email(), name: 'P', details: { foo: 1 } });
      expectProblem(res, 400, 'unknown_field', 'details.foo');
    });
  });

  describe('path parameters', () => {
    it('unknown ids in the path are 404s, whatever their characters', async () => {
      await expectRefused(engine, () => program.patch('/partners/%00', { name: 'x' }), 404, 'partner_not_found');
      await expectRefused(engine, () => program.post('/partners/a%20b/status', { status: 'ACTIVE' }), 404, 'partner_not_found');
      await expectRefused(engine, () => program.post('/transactions/a%20b/refund', {}), 404, 'transaction_not_found');
      await expectRefused(engine, () => program.post('/conversions/cv_%2F%2F/approve'), 404, 'conversion_not_found');
    });

    // Keys and client ids may be 128 characters and a conversion id is "cv_" + base64url(transaction
    // key), up to 174 characters; Fastify's default maxParamLength is 100, so libs/platform/src/bootstrap.ts
    // raises it. Without that, a transaction with a key of 75 characters or more is accepted, but its
    // conversion can never be approved or denied (414).
    it('the conversion of a transaction with an 80-character key can be approved', async () => {
      const t = await program.transaction({ customerKey: customer.key, amount: '10', key: 'K'.repeat(80) });
      const res = await program.post(`/conversions/${t.conversion.id}/approve`);
      expect({ status: res.status, code: res.body?.code }).toEqual({ status: 200, code: undefined });
    });
    it('a transaction with a 128-character key (accepted by POST /transactions) can be refunded', async () => {
      const t = await program.transaction({ customerKey: customer.key, amount: '10', key: 'R'.repeat(128) });
      const res = await program.post(`/transactions/${t.key}/refund`, { amount: '1' });
      expect(res.status).toBe(200);
    });
    it('a partner created with a 128-character id can be updated and have its status changed', async () => {
      const p = await program.partner({ id: 'p'.repeat(128) });
      expect((await program.patch(`/partners/${p.id}`, { name: 'Renamed' })).status).toBe(200);
      expect((await program.post(`/partners/${p.id}/status`, { status: 'DISABLED' })).status).toBe(200);
    });

    // Router-level Fastify errors never reach Nest's ProblemFilter: libs/platform/src/bootstrap.ts
    // answers them through `frameworkErrors`, so an over-long path parameter (414
    // FST_ERR_MAX_PARAM_LENGTH) and a bad percent-encoding (400 FST_ERR_BAD_URL) are problem+json
    // with a stable snake_case code, not Fastify's own JSON with `code: "FST_…"`.
    it('an over-long path parameter is answered as problem+json', async () => {
      const res = await program.patch(`/partners/${'a'.repeat(500)}`, { name: 'x' });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.body.code).toMatch(/^[a-z_]+$/);
    });
    it('a malformed percent-encoding in the path is answered as problem+json', async () => {
      const res = await program.post('/transactions/%E0%A4%A/refund', {});
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.body.code).toMatch(/^[a-z_]+$/);
    });
    it('either way nothing is appended and it is not a 500', async () => {
      for (const res of [
        await expectNoNewEvents(engine, () => program.patch(`/partners/${'a'.repeat(500)}`, { name: 'x' })),
        await expectNoNewEvents(engine, () => program.post('/transactions/%E0%A4%A/refund', {})),
      ]) {
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
    });
  });

  it('an unsupported media type → 415 unsupported_media_type', async () => {
    const res = await expectNoNewEvents(engine, () =>
      engine.call('POST', program.path('/partners'), JSON.stringify({ email: email(), name: 'x' }), program.key, { 'content-type': 'application/xml' }),
    );
    expectProblem(res, 415, 'unsupported_media_type');
  });

  it('amounts sent as JSON numbers within the grammar are taken as written: 149.99, 1.50 and 7', async () => {
    for (const [text, amount] of [
      ['149.99', '149.99'],
      ['1.50', '1.50'],
      ['7', '7.00'],
    ]) {
      const res = await engine.call('POST', program.path('/transactions'), `{"customerKey":${JSON.stringify(customer.key)},"amount":${text}}`, program.key);
      expect({ text, status: res.status, amount: res.body.amount }).toEqual({ text, status: 201, amount });
    }
  });

  it('the routes still work after all that: the engine answers a valid request', async () => {
    const res = await program.post('/transactions', { customerKey: customer.key, amount: '1.00' });
    expect(res.status).toBe(201);
  });
});
