import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_KEY, startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { expectRefused, expectStatus, newProgram, POSITION, withEventDelta } from '@partner-ledger/testing';

/** POST /v1/programs (admin only). */
describe('programs over HTTP', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine();
  });
  afterAll(async () => engine.stop());

  const create = (body: unknown, key: string | null = ADMIN_KEY) => engine.call('POST', '/v1/programs', body, key);
  const valid = { name: 'Acme partners', currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' } };

  describe('success', () => {
    it('201 with {id, name, currency, commission, tiers, apiKey, position}; one event', async () => {
      const res = await withEventDelta(engine, () => create(valid));
      expectStatus(res, 201);
      expect(res.appended).toBe(1);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^prg_[0-9a-f]{20}$/),
        name: 'Acme partners',
        currency: 'USD',
        commission: { type: 'PERCENT_OF_SALE', amount: '10' },
        tiers: [],
        apiKey: expect.stringMatching(/^plk_/),
        position: expect.stringMatching(POSITION),
      });
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    });

    it('the returned key reaches its own program', async () => {
      const res = await create(valid);
      const partner = await engine.call('POST', `/v1/programs/${res.body.id}/partners`, { email: 'own@example.com', name: 'Own' }, res.body.apiKey);
      expectStatus(partner, 201);
    });

    it('canonicalises rates and sorts tiers; a name is trimmed', async () => {
      const res = await create({
        ...valid,
        name: '  Tiered  ',
        commission: { type: 'PERCENT_OF_SALE', amount: 12.5 },
        tiers: [
          { level: 3, amount: '2.00' },
          { level: 2, amount: '5.50' },
        ],
      });
      expectStatus(res, 201);
      expect(res.body).toMatchObject({
        name: 'Tiered',
        commission: { type: 'PERCENT_OF_SALE', amount: '12.5' },
        tiers: [
          { level: 2, amount: '5.5' },
          { level: 3, amount: '2' },
        ],
      });
    });

    it('FLAT_RATE amounts are money in the program currency: "5" USD → "5.00", JPY "500" → "500"', async () => {
      const usd = await create({ ...valid, commission: { type: 'FLAT_RATE', amount: '5' }, tiers: [{ level: 2, amount: 1.5 }] });
      expectStatus(usd, 201);
      expect(usd.body).toMatchObject({ commission: { type: 'FLAT_RATE', amount: '5.00' }, tiers: [{ level: 2, amount: '1.50' }] });
      const jpy = await create({ ...valid, currency: 'JPY', commission: { type: 'FLAT_RATE', amount: '500' } });
      expectStatus(jpy, 201);
      expect(jpy.body).toMatchObject({ currency: 'JPY', commission: { type: 'FLAT_RATE', amount: '500' } });
    });

    it('every program gets its own id and key', async () => {
      const a = await newProgram(engine);
      const b = await newProgram(engine);
      expect(a.id).not.toBe(b.id);
      expect(a.key).not.toBe(b.key);
    });
  });

  describe('400 validation', () => {
    it.each([
      ['name missing', 'validation_failed', 'name', { currency: 'USD', commission: valid.commission }],
      ['name blank', 'invalid_name', 'name', { ...valid, name: '   ' }],
      ['name 201 chars', 'validation_failed', 'name', { ...valid, name: 'x'.repeat(201) }],
      ['currency missing', 'validation_failed', 'currency', { name: 'x', commission: valid.commission }],
      ['currency XYZ', 'unknown_currency', 'currency', { ...valid, currency: 'XYZ' }],
      ['currency usd', 'unknown_currency', 'currency', { ...valid, currency: 'usd' }],
      ['commission missing', 'validation_failed', 'commission', { name: 'x', currency: 'USD' }],
      ['commission type unknown', 'validation_failed', 'commission.type', { ...valid, commission: { type: 'PERCENT', amount: '10' } }],
      ['commission amount missing', 'validation_failed', 'commission.amount', { ...valid, commission: { type: 'PERCENT_OF_SALE' } }],
      ['percent 0', 'invalid_rate', 'commission.amount', { ...valid, commission: { type: 'PERCENT_OF_SALE', amount: '0' } }],
      ['percent over 100', 'invalid_rate', 'commission.amount', { ...valid, commission: { type: 'PERCENT_OF_SALE', amount: '100.01' } }],
      ['percent 5 decimals', 'invalid_rate', 'commission.amount', { ...valid, commission: { type: 'PERCENT_OF_SALE', amount: '10.12345' } }],
      ['flat 3 decimals in USD', 'invalid_amount', 'commission.amount', { ...valid, commission: { type: 'FLAT_RATE', amount: '5.001' } }],
      ['flat decimals in JPY', 'invalid_amount', 'commission.amount', { ...valid, currency: 'JPY', commission: { type: 'FLAT_RATE', amount: '5.5' } }],
      ['tier level 1', 'invalid_tier_level', 'tiers.0.level', { ...valid, tiers: [{ level: 1, amount: '5' }] }],
      ['tier level 11', 'invalid_tier_level', 'tiers.0.level', { ...valid, tiers: [{ level: 11, amount: '5' }] }],
      ['tier level "2"', 'validation_failed', 'tiers.0.level', { ...valid, tiers: [{ level: '2', amount: '5' }] }],
      [
        'tier rate 150%',
        'invalid_rate',
        'tiers.1.amount',
        {
          ...valid,
          tiers: [
            { level: 2, amount: '5' },
            { level: 3, amount: '150' },
          ],
        },
      ],
      [
        'duplicate tier level',
        'duplicate_tier_level',
        'tiers',
        {
          ...valid,
          tiers: [
            { level: 2, amount: '5' },
            { level: 2, amount: '3' },
          ],
        },
      ],
      ['unknown field', 'validation_failed', 'owner', { ...valid, owner: 'me' }],
    ])('%s → 400 %s naming %s, nothing appended', async (_label, code, field, body) => {
      await expectRefused(engine, () => create(body), 400, code, field);
    });
  });

  describe('401 / 403', () => {
    it('no key → 401 missing_api_key', async () => {
      await expectRefused(engine, () => create(valid, null), 401, 'missing_api_key');
    });
    it('wrong key → 401 invalid_api_key', async () => {
      await expectRefused(engine, () => create(valid, 'not-the-admin-key-0123456789'), 401, 'invalid_api_key');
    });
    it("a program's own key → 403 admin_key_required", async () => {
      const program = await newProgram(engine);
      await expectRefused(engine, () => create(valid, program.key), 403, 'admin_key_required');
    });
  });

  describe('GET /v1/programs', () => {
    it('the admin gets every program in creation order, paged; a program key gets its own only', async () => {
      const a = await newProgram(engine, { name: 'List A' });
      const b = await newProgram(engine, { name: 'List B' });
      const all: any[] = [];
      let cursor: string | null = null;
      do {
        const res = await engine.call('GET', `/v1/programs?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expectStatus(res, 200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        all.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      const ids = all.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(b.id));
      expect(all.find((p) => p.id === b.id)).toEqual({ id: b.id, name: 'List B', currency: 'USD', createdAt: expect.any(String) });

      const own = await engine.call('GET', '/v1/programs', undefined, a.key);
      expectStatus(own, 200);
      expect(own.body).toEqual({ items: [{ id: a.id, name: 'List A', currency: 'USD' }], nextCursor: null });
    });
    it('a cursor it did not hand out → 400 invalid_cursor; no key → 401', async () => {
      const bad = await engine.call('GET', `/v1/programs?cursor=${Buffer.from('["x"]').toString('base64url')}`);
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('invalid_cursor');
      expect((await engine.call('GET', '/v1/programs', undefined, null)).status).toBe(401);
    });
  });
});
