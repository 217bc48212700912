import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { expectNoNewEvents, expectRefused, expectStatus, newProgram, POSITION, type ProgramClient, uniq, UNKNOWN_PID, withEventDelta } from '@partner-ledger/testing';

/** POST /programs/:pid/transactions */
describe('transactions over HTTP', () => {
  let engine: TestEngine;
  let program: ProgramClient;
  let other: ProgramClient;
  let partner: any;
  let customer: any;
  let loner: any;
  beforeAll(async () => {
    engine = await startTestEngine();
    program = await newProgram(engine);
    other = await newProgram(engine);
    partner = await program.partner({ key: uniq('P') });
    customer = await program.customer({ partner: { id: partner.id } });
    loner = await program.customer();
  });
  afterAll(async () => engine.stop());

  describe('success', () => {
    it('201 with {key, amount, currency, customerId, conversion{id, status, partnerId, commissions}, position}; two events', async () => {
      const key = uniq('ORD-');
      const res = await withEventDelta(engine, () => program.post('/transactions', { customerKey: customer.key, amount: '149.99', key, productId: 'SKU-1', productType: 'monthly' }));
      expectStatus(res, 201);
      expect(res.appended).toBe(2);
      expect(res.body).toMatchObject({
        key,
        amount: '149.99',
        currency: 'USD',
        customerId: customer.id,
        productId: 'SKU-1',
        productType: 'monthly',
        conversion: {
          id: expect.stringMatching(/^cv_/),
          status: 'PENDING',
          partnerId: partner.id,
          commissions: [{ partnerId: partner.id, level: 1, amount: '15.00' }],
        },
        position: expect.stringMatching(POSITION),
      });
    });

    it('a key is generated when absent', async () => {
      const res = await program.post('/transactions', { customerKey: customer.key, amount: 10 });
      expectStatus(res, 201);
      expect(res.body.key).toMatch(/^txn_/);
      expect(res.body.amount).toBe('10.00');
    });

    it('an unattributed sale is recorded with conversion null; one event', async () => {
      const res = await withEventDelta(engine, () => program.post('/transactions', { customerKey: loner.key, amount: '20', key: uniq('ORD-') }));
      expectStatus(res, 201);
      expect(res.appended).toBe(1);
      expect(res.body).toMatchObject({ amount: '20.00', customerId: loner.id, conversion: null, attribution: null, unattributedReason: null });
    });

    it('the currency may be sent when it is the program currency', async () => {
      const res = await program.post('/transactions', { customerKey: customer.key, amount: '1.00', currency: 'USD' });
      expectStatus(res, 201);
      expect(res.body).toMatchObject({ currency: 'USD', conversion: { commissions: [{ amount: '0.10' }] } });
    });

    it('commission rounds half away from zero: 10% of 0.05 is 0.01, of 0.04 is 0.00', async () => {
      const half = await program.transaction({ customerKey: customer.key, amount: '0.05' });
      expect(half.conversion.commissions).toEqual([{ partnerId: partner.id, level: 1, amount: '0.01' }]);
      const below = await program.transaction({ customerKey: customer.key, amount: '0.04' });
      expect(below.conversion.commissions).toEqual([{ partnerId: partner.id, level: 1, amount: '0.00' }]);
    });
  });

  describe('idempotency by key', () => {
    it('the same key and body again → 200 with idempotent-replayed: true, the same body, nothing appended', async () => {
      const body = { customerKey: customer.key, amount: '149.99', key: uniq('ORD-'), couponCode: 'none' };
      const first = await program.post('/transactions', body);
      expectStatus(first, 201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const again = await expectNoNewEvents(engine, () => program.post('/transactions', body));
      expectStatus(again, 200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
    });

    it('"149.99" and 149.99 are the same body; field order does not matter', async () => {
      const key = uniq('ORD-');
      const first = await program.post('/transactions', { customerKey: customer.key, amount: '149.99', key, productId: 'A' });
      expectStatus(first, 201);
      const again = await expectNoNewEvents(engine, () => program.post('/transactions', { productId: 'A', key, amount: 149.99, customerKey: customer.key }));
      expectStatus(again, 200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
    });

    it('409 transaction_key_reused when the key comes back with another body', async () => {
      const key = uniq('ORD-');
      await program.transaction({ customerKey: customer.key, amount: '10.00', key });
      await expectRefused(engine, () => program.post('/transactions', { customerKey: customer.key, amount: '10.01', key }), 409, 'transaction_key_reused', 'key');
      await expectRefused(engine, () => program.post('/transactions', { customerKey: loner.key, amount: '10.00', key }), 409, 'transaction_key_reused', 'key');
      await expectRefused(engine, () => program.post('/transactions', { customerKey: customer.key, amount: '10.00', key, productId: 'X' }), 409, 'transaction_key_reused', 'key');
    });

    it('a replay answers from the stored record: the original 201 still replays after the partner is disabled', async () => {
      const p = await program.partner();
      const c = await program.customer({ partner: { id: p.id } });
      const body = { customerKey: c.key, amount: '50', key: uniq('ORD-') };
      const first = await program.post('/transactions', body);
      expectStatus(first, 201);
      await program.status(p.id, 'DISABLED');
      const again = await expectNoNewEvents(engine, () => program.post('/transactions', body));
      expectStatus(again, 200);
      expect(again.body.conversion).toEqual(first.body.conversion);
    });

    it('the same key in another program is another transaction', async () => {
      const key = uniq('ORD-');
      await program.transaction({ customerKey: customer.key, amount: '10', key });
      const c = await other.customer();
      const res = await other.post('/transactions', { customerKey: c.key, amount: '10', key });
      expectStatus(res, 201);
    });
  });

  describe('400 validation', () => {
    it.each([
      ['customerKey missing', 'validation_failed', 'customerKey', { amount: '1' }],
      ['amount missing', 'validation_failed', 'amount', {}],
      ['amount true', 'validation_failed', 'amount', { amount: true }],
      ['amount negative', 'invalid_amount', 'amount', { amount: '-1.00' }],
      ['amount zero', 'invalid_amount', 'amount', { amount: 0 }],
      ['amount 3 decimals', 'invalid_amount', 'amount', { amount: '1.001' }],
      ['amount text', 'invalid_amount', 'amount', { amount: 'ten' }],
      ['key with a space', 'invalid_key', 'key', { amount: '1', key: 'ORD 1' }],
      ['currency unknown', 'unknown_currency', 'currency', { amount: '1', currency: 'XYZ' }],
      ['productId a number', 'validation_failed', 'productId', { amount: '1', productId: 5 }],
      ['unknown field', 'validation_failed', 'discount', { amount: '1', discount: '5' }],
    ])('%s → 400 %s naming %s, nothing appended', async (label, code, field, body) => {
      const full = label === 'customerKey missing' ? body : { customerKey: customer.key, ...body };
      await expectRefused(engine, () => program.post('/transactions', full), 400, code, field);
    });
  });

  // `partnerKey: null` must not reach attribution (libs/api/src/use-cases/create-transaction/attribute.ts,
  // libs/api/src/shared/lookups.ts): a null there would be interpolated into the reservation stream
  // name as "null", attributing the sale to the partner whose key is the string "null", which would
  // earn a commission it was never given. The DTO's `Optional()` refuses it.
  it('partnerKey: null does not attribute the sale to the partner keyed "null"', async () => {
    const literal = await program.partner({ key: 'null' });
    const res = await program.post('/transactions', { customerKey: loner.key, amount: '10', partnerKey: null });
    expect(res.status).toBeLessThan(500);
    expect(res.body.attribution?.partnerId ?? null).not.toBe(literal.id);
  });

  describe('401 / 403 / 404', () => {
    const body = () => ({ customerKey: customer.key, amount: '10' });
    it('401 without a key or with a wrong one', async () => {
      await expectRefused(engine, () => program.post('/transactions', body(), null), 401, 'missing_api_key');
      await expectRefused(engine, () => program.post('/transactions', body(), 'wrong-key-0123456789'), 401, 'invalid_api_key');
    });
    it("403 forbidden_program with another program's key", async () => {
      await expectRefused(engine, () => program.post('/transactions', body(), other.key), 403, 'forbidden_program');
    });
    it('404 program_not_found (admin key)', async () => {
      await expectRefused(engine, () => engine.call('POST', `/v1/programs/${UNKNOWN_PID}/transactions`, body()), 404, 'program_not_found');
    });
  });

  describe('422 unprocessable', () => {
    it('customer_not_found for an unknown customerKey', async () => {
      await expectRefused(engine, () => program.post('/transactions', { customerKey: 'nobody', amount: '10' }), 422, 'customer_not_found', 'customerKey');
    });
    it("customer_not_found for another program's customer", async () => {
      const foreign = await other.customer();
      await expectRefused(engine, () => program.post('/transactions', { customerKey: foreign.key, amount: '10' }), 422, 'customer_not_found', 'customerKey');
    });
    it('partner_not_found for an unknown partnerKey', async () => {
      await expectRefused(engine, () => program.post('/transactions', { customerKey: customer.key, amount: '10', partnerKey: 'NOPE' }), 422, 'partner_not_found', 'partnerKey');
    });
    it('currency_mismatch for another ISO currency', async () => {
      await expectRefused(engine, () => program.post('/transactions', { customerKey: customer.key, amount: '10', currency: 'EUR' }), 422, 'currency_mismatch', 'currency');
    });
  });
});
