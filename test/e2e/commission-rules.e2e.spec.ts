import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_KEY, expectRefused, expectStatus, newProgram, POSITION, type ProgramClient, startTestEngine, type TestEngine, UNKNOWN_PID, withEventDelta } from '@partner-ledger/testing';

/** Commission durations, product rates, approval settings and plan changes, over HTTP. */
describe('commission rules over HTTP', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine();
  });
  afterAll(async () => engine.stop());

  const valid = { name: 'Rules', currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' } };
  const createProgram = (body: unknown) => engine.call('POST', '/v1/programs', body, ADMIN_KEY);
  const put = (program: ProgramClient, body: unknown, key: string | null = program.key, headers?: Record<string, string>) =>
    engine.call('PUT', program.path('/commission-plan'), body, key, headers);
  const get = (program: ProgramClient) => engine.call('GET', program.path(''), undefined, program.key);
  const LIFETIME_PLAN = { commission: { type: 'PERCENT_OF_SALE', amount: '10', duration: { type: 'LIFETIME' } }, tiers: [], productRates: [], approval: { mode: 'MANUAL', holdDays: 0 } };

  /** A partner and a customer linked to it. */
  async function buyer(program: ProgramClient) {
    const partner = await program.partner();
    const customer = await program.customer({ partner: { id: partner.id } });
    return { partner, customer };
  }

  describe('POST /v1/programs with the new fields', () => {
    it('records duration, product rates and approval, and GET /v1/programs/:pid shows them', async () => {
      const res = await withEventDelta(engine, () =>
        createProgram({
          ...valid,
          commission: { ...valid.commission, duration: { type: 'MONTHS', count: 12 } },
          productRates: [{ productId: 'pro', type: 'PERCENT_OF_SALE', amount: '25.50' }],
          approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 30 },
        }),
      );
      expectStatus(res, 201);
      expect(res.appended).toBe(1);
      expect(res.body).toMatchObject({
        commission: { type: 'PERCENT_OF_SALE', amount: '10', duration: { type: 'MONTHS', count: 12 } },
        productRates: [{ productId: 'pro', type: 'PERCENT_OF_SALE', amount: '25.5' }],
        approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 30 },
      });
      const shown = await engine.call('GET', `/v1/programs/${res.body.id}`, undefined, res.body.apiKey);
      expectStatus(shown, 200);
      const plan = {
        commission: { type: 'PERCENT_OF_SALE', amount: '10', duration: { type: 'MONTHS', count: 12 } },
        tiers: [],
        productRates: [{ productId: 'pro', type: 'PERCENT_OF_SALE', amount: '25.5' }],
        approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 30 },
      };
      expect(shown.body).toEqual({ id: res.body.id, name: 'Rules', currency: 'USD', ...plan, effectiveFrom: null, plans: [{ effectiveFrom: null, ...plan }] });
      expect(shown.headers.get('etag')).toBe('"0"');
    });

    it('a program created without them shows the defaults: LIFETIME, no product rates, MANUAL', async () => {
      const program = await newProgram(engine);
      const shown = await get(program);
      expectStatus(shown, 200);
      expect(shown.body).toMatchObject({ ...LIFETIME_PLAN, effectiveFrom: null, plans: [{ effectiveFrom: null, ...LIFETIME_PLAN }] });
    });

    it.each([
      ['an unknown duration type', 'validation_failed', 'commission.duration.type', { commission: { ...valid.commission, duration: { type: 'WEEKLY' } } }],
      ['MONTHS without a count', 'invalid_duration_count', 'commission.duration.count', { commission: { ...valid.commission, duration: { type: 'MONTHS' } } }],
      ['PAYMENTS count 0', 'invalid_duration_count', 'commission.duration.count', { commission: { ...valid.commission, duration: { type: 'PAYMENTS', count: 0 } } }],
      ['MONTHS count 121', 'invalid_duration_count', 'commission.duration.count', { commission: { ...valid.commission, duration: { type: 'MONTHS', count: 121 } } }],
      ['ONE_TIME with a count', 'invalid_duration_count', 'commission.duration.count', { commission: { ...valid.commission, duration: { type: 'ONE_TIME', count: 1 } } }],
      ['a product rate over 100 %', 'invalid_rate', 'productRates.0.amount', { productRates: [{ productId: 'p', type: 'PERCENT_OF_SALE', amount: '101' }] }],
      [
        'a duplicate product',
        'duplicate_product_rate',
        'productRates',
        {
          productRates: [
            { productId: 'p', type: 'FLAT_RATE', amount: '1' },
            { productId: 'p', type: 'FLAT_RATE', amount: '2' },
          ],
        },
      ],
      ['an unknown approval mode', 'validation_failed', 'approval.mode', { approval: { mode: 'AUTO', holdDays: 3 } }],
      ['negative hold days', 'invalid_hold_days', 'approval.holdDays', { approval: { mode: 'AUTO_AFTER_HOLD', holdDays: -1 } }],
      ['366 hold days', 'invalid_hold_days', 'approval.holdDays', { approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 366 } }],
      ['AUTO_AFTER_HOLD without hold days', 'invalid_hold_days', 'approval.holdDays', { approval: { mode: 'AUTO_AFTER_HOLD' } }],
    ])('%s → 400 %s naming %s, nothing appended', async (_label, code, field, extra) => {
      await expectRefused(engine, () => createProgram({ ...valid, ...extra }), 400, code, field);
    });
  });

  describe('PUT /v1/programs/:pid/commission-plan', () => {
    it('records the new plan (one event, ETag), prices the next sale under it and lists every plan', async () => {
      const program = await newProgram(engine);
      const { customer } = await buyer(program);
      const before = await program.transaction({ customerKey: customer.key, amount: '100.00' });
      expect(before.conversion.commissions).toEqual([expect.objectContaining({ amount: '10.00' })]);

      const res = await withEventDelta(engine, () =>
        put(program, { commission: { type: 'FLAT_RATE', amount: '4', duration: { type: 'PAYMENTS', count: 5 } }, approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 14 } }),
      );
      expectStatus(res, 200);
      expect(res.appended).toBe(1);
      expect(res.headers.get('etag')).toBe('"1"');
      const plan = {
        commission: { type: 'FLAT_RATE', amount: '4.00', duration: { type: 'PAYMENTS', count: 5 } },
        tiers: [],
        productRates: [],
        approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 14 },
      };
      expect(res.body).toEqual({
        id: program.id,
        name: expect.any(String),
        currency: 'USD',
        ...plan,
        effectiveFrom: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        plans: [
          { effectiveFrom: null, ...LIFETIME_PLAN },
          { effectiveFrom: res.body.effectiveFrom, ...plan },
        ],
        position: expect.stringMatching(POSITION),
      });

      const after = await program.transaction({ customerKey: customer.key, amount: '100.00' });
      expect(after.conversion.commissions).toEqual([expect.objectContaining({ amount: '4.00' })]);
      expect((await get(program)).body).toMatchObject({ ...plan, plans: [{ effectiveFrom: null }, plan] });
    });

    it('a plan effective later does not price sales before its time', async () => {
      const program = await newProgram(engine);
      const { customer } = await buyer(program);
      const res = await put(program, { commission: { type: 'PERCENT_OF_SALE', amount: '50' }, effectiveFrom: '2999-01-01T00:00:00Z' });
      expectStatus(res, 200);
      expect(res.body).toMatchObject({
        commission: { amount: '10' },
        effectiveFrom: null,
        plans: [{ effectiveFrom: null }, { effectiveFrom: '2999-01-01T00:00:00.000Z', commission: { amount: '50' } }],
      });
      const sale = await program.transaction({ customerKey: customer.key, amount: '100.00' });
      expect(sale.conversion.commissions).toEqual([expect.objectContaining({ amount: '10.00' })]);
    });

    it('If-Match applies the change only to the plan the client read', async () => {
      const program = await newProgram(engine);
      expectStatus(await put(program, { commission: { type: 'PERCENT_OF_SALE', amount: '12' } }, program.key, { 'if-match': '"0"' }), 200);
      await expectRefused(engine, () => put(program, { commission: { type: 'PERCENT_OF_SALE', amount: '13' } }, program.key, { 'if-match': '"0"' }), 412, 'precondition_failed');
    });

    it.each([
      ['an effective time in the past', 422, 'effective_from_in_past', 'effectiveFrom', { commission: valid.commission, effectiveFrom: '2020-01-01T00:00:00Z' }],
      ['an effective time that is no time', 400, 'invalid_effective_from', 'effectiveFrom', { commission: valid.commission, effectiveFrom: 'next monday' }],
      ['no commission', 400, 'validation_failed', 'commission', {}],
      ['an unknown duration', 400, 'validation_failed', 'commission.duration.type', { commission: { ...valid.commission, duration: { type: 'FOREVER' } } }],
      ['PAYMENTS count 1001', 400, 'invalid_duration_count', 'commission.duration.count', { commission: { ...valid.commission, duration: { type: 'PAYMENTS', count: 1001 } } }],
      ['a rate over 100 %', 400, 'invalid_rate', 'commission.amount', { commission: { type: 'PERCENT_OF_SALE', amount: '100.5' } }],
      [
        'a product rate over 100 %',
        400,
        'invalid_rate',
        'productRates.0.amount',
        { commission: valid.commission, productRates: [{ productId: 'p', type: 'PERCENT_OF_SALE', amount: '200' }] },
      ],
      [
        'a duplicate product',
        400,
        'duplicate_product_rate',
        'productRates',
        {
          commission: valid.commission,
          productRates: [
            { productId: 'p', type: 'FLAT_RATE', amount: '1' },
            { productId: 'p', type: 'PERCENT_OF_SALE', amount: '2' },
          ],
        },
      ],
      ['hold days over 365', 400, 'invalid_hold_days', 'approval.holdDays', { commission: valid.commission, approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 1000 } }],
      ['an unknown field', 400, 'validation_failed', 'rate', { commission: valid.commission, rate: 5 }],
    ])('%s → %i %s naming %s, nothing appended', async (_label, status, code, field, body) => {
      const program = await newProgram(engine);
      await expectRefused(engine, () => put(program, body), status, code, field);
    });

    it("another program's key → 403, an unknown program → 404, no key → 401; nothing appended", async () => {
      const program = await newProgram(engine);
      const other = await newProgram(engine);
      const body = { commission: valid.commission };
      await expectRefused(engine, () => put(program, body, other.key), 403, 'forbidden_program');
      await expectRefused(engine, () => engine.call('PUT', `/v1/programs/${UNKNOWN_PID}/commission-plan`, body, ADMIN_KEY), 404, 'program_not_found');
      await expectRefused(engine, () => put(program, body, null), 401, 'missing_api_key');
      await expectRefused(engine, () => engine.call('GET', `/v1/programs/${UNKNOWN_PID}`, undefined, ADMIN_KEY), 404, 'program_not_found');
    });
  });

  it('documents the routes in OpenAPI with their request and response schemas', async () => {
    const doc = (await engine.call('GET', '/docs-json')).body;
    const change = doc.paths['/v1/programs/{pid}/commission-plan'].put;
    expect(change.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ChangeCommissionPlanDto' });
    expect(change.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ProgramPlansView' });
    expect(change.responses['412']).toBeDefined();
    expect(change.responses['422']).toBeDefined();
    expect(doc.paths['/v1/programs/{pid}'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ProgramPlansView' });
    expect(Object.keys(doc.components.schemas.ChangeCommissionPlanDto.properties).sort()).toEqual(['approval', 'commission', 'effectiveFrom', 'productRates', 'tiers']);
    expect(Object.keys(doc.components.schemas.CreateProgramDto.properties)).toEqual(expect.arrayContaining(['productRates', 'approval']));
    expect(Object.keys(doc.components.schemas.CommissionDto.properties)).toContain('duration');
    expect(Object.keys(doc.components.schemas.ProgramPlansView.properties).sort()).toEqual(
      ['id', 'name', 'currency', 'commission', 'tiers', 'productRates', 'approval', 'effectiveFrom', 'plans', 'position'].sort(),
    );
  });

  describe('durations', () => {
    it("ONE_TIME: the customer's first purchase earns, the next is recorded with no conversion and the reason", async () => {
      const program = await newProgram(engine, { commission: { type: 'PERCENT_OF_SALE', amount: '10', duration: { type: 'ONE_TIME' } } });
      const { customer } = await buyer(program);
      const first = await program.transaction({ customerKey: customer.key, amount: '50.00' });
      expect(first).toMatchObject({ unattributedReason: null, conversion: { status: 'PENDING', commissions: [expect.objectContaining({ amount: '5.00' })] } });
      const second = await program.transaction({ customerKey: customer.key, amount: '50.00' });
      expect(second).toMatchObject({ unattributedReason: 'commission_duration_ended', conversion: null, attribution: { source: 'customer' } });
    });

    it('PAYMENTS: the first count purchases earn; a replayed sale is not counted again', async () => {
      const program = await newProgram(engine, { commission: { type: 'FLAT_RATE', amount: '1', duration: { type: 'PAYMENTS', count: 2 } } });
      const { customer } = await buyer(program);
      const one = { key: 'PAY-1', customerKey: customer.key, amount: '10.00' };
      expect((await program.transaction(one)).conversion).not.toBeNull();
      const replay = await withEventDelta(engine, () => program.post('/transactions', one));
      expectStatus(replay, 200);
      expect(replay.appended).toBe(0);
      expect((await program.transaction({ customerKey: customer.key, amount: '10.00' })).conversion).not.toBeNull();
      expect((await program.transaction({ customerKey: customer.key, amount: '10.00' })).unattributedReason).toBe('commission_duration_ended');
    });

    it('two purchases of one customer at once: exactly one is the first', async () => {
      const program = await newProgram(engine, { commission: { type: 'PERCENT_OF_SALE', amount: '10', duration: { type: 'ONE_TIME' } } });
      const { customer } = await buyer(program);
      const sales = await Promise.all([1, 2, 3].map(() => program.post('/transactions', { customerKey: customer.key, amount: '20.00' })));
      for (const sale of sales) expectStatus(sale, 201);
      expect(sales.filter((s) => s.body.conversion !== null)).toHaveLength(1);
      expect(sales.filter((s) => s.body.unattributedReason === 'commission_duration_ended')).toHaveLength(2);
    });
  });

  describe('product rates', () => {
    it("a sale of a product with its own rate earns it; other products the program's rate", async () => {
      const program = await newProgram(engine, { productRates: [{ productId: 'pro', type: 'PERCENT_OF_SALE', amount: '30' }] });
      const { customer } = await buyer(program);
      const pro = await program.transaction({ customerKey: customer.key, amount: '100.00', productId: 'pro' });
      expect(pro.conversion.commissions).toEqual([expect.objectContaining({ level: 1, amount: '30.00' })]);
      const basic = await program.transaction({ customerKey: customer.key, amount: '100.00', productId: 'basic' });
      expect(basic.conversion.commissions).toEqual([expect.objectContaining({ level: 1, amount: '10.00' })]);
    });
  });
});
