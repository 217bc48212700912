import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { email, expectRefused, expectStatus, newProgram, POSITION, type ProgramClient, uniq, UNKNOWN_PID, withEventDelta } from '@partner-ledger/testing';

/** POST /programs/:pid/customers */
describe('customers over HTTP', () => {
  let engine: TestEngine;
  let program: ProgramClient;
  let other: ProgramClient;
  let partner: any;
  beforeAll(async () => {
    engine = await startTestEngine();
    program = await newProgram(engine);
    other = await newProgram(engine);
    partner = await program.partner({ key: uniq('REF') });
  });
  afterAll(async () => engine.stop());

  const valid = () => ({ email: email('jane'), name: 'Jane Smith', key: uniq('cust-') });

  describe('success', () => {
    it('201 with {id, key, email, name, partnerId, referringCustomerId, position}; key and email reserved', async () => {
      const body = { email: '  Jane@Example.com ', name: 'Jane Smith', key: uniq('cust-') };
      const res = await withEventDelta(engine, () => program.post('/customers', body));
      expectStatus(res, 201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^cus_[0-9a-f]{20}$/),
        key: body.key,
        email: 'jane@example.com',
        name: 'Jane Smith',
        partnerId: null,
        referringCustomerId: null,
        position: expect.stringMatching(POSITION),
      });
      expect(res.appended).toBe(3);
    });

    it('the key defaults to the generated id', async () => {
      const res = await program.post('/customers', { email: email(), name: 'No key' });
      expectStatus(res, 201);
      expect(res.body.key).toBe(res.body.id);
    });

    it.each([['key'], ['id'], ['email']])('links the partner by %s', async (by) => {
      const res = await program.post('/customers', { ...valid(), partner: { [by]: partner[by] } });
      expectStatus(res, 201);
      expect(res.body.partnerId).toBe(partner.id);
    });

    it('a PENDING or DISABLED partner may be linked (it earns nothing while not ACTIVE)', async () => {
      const pending = await program.partner({ status: 'PENDING' });
      const res = await program.post('/customers', { ...valid(), partner: { id: pending.id } });
      expectStatus(res, 201);
      expect(res.body.partnerId).toBe(pending.id);
    });

    it.each([['key'], ['id'], ['email']])('links the referring customer by %s', async (by) => {
      const friend = await program.customer();
      const res = await program.post('/customers', { ...valid(), referringCustomer: { [by]: friend[by] } });
      expectStatus(res, 201);
      expect(res.body.referringCustomerId).toBe(friend.id);
    });
  });

  describe('400 validation', () => {
    it.each([
      ['email missing', 'validation_failed', 'email', { name: 'x' }],
      ['email a number', 'validation_failed', 'email', { name: 'x', email: 7 }],
      ['email not an address', 'invalid_email', 'email', { name: 'x', email: 'jane' }],
      ['name missing', 'validation_failed', 'name', { email: 'x@example.com' }],
      ['name too long', 'validation_failed', 'name', { email: 'x@example.com', name: 'x'.repeat(201) }],
      ['key with a space', 'invalid_key', 'key', { email: 'x@example.com', name: 'x', key: 'a b' }],
      ['partner with two references', 'invalid_reference', 'partner', { email: 'x@example.com', name: 'x', partner: { key: 'A', id: 'B' } }],
      ['partner empty', 'invalid_reference', 'partner', { email: 'x@example.com', name: 'x', partner: {} }],
      ['partner a string', 'validation_failed', 'partner', { email: 'x@example.com', name: 'x', partner: 'A' }],
      ['partner.foo unknown', 'validation_failed', 'partner.foo', { email: 'x@example.com', name: 'x', partner: { key: 'A', foo: 1 } }],
      ['partner.key a number', 'validation_failed', 'partner.key', { email: 'x@example.com', name: 'x', partner: { key: 1 } }],
      ['referringCustomer with two references', 'invalid_reference', 'referringCustomer', { email: 'x@example.com', name: 'x', referringCustomer: { key: 'a', email: 'b@example.com' } }],
      ['unknown field', 'validation_failed', 'phone', { email: 'x@example.com', name: 'x', phone: '1' }],
    ])('%s → 400 %s naming %s, nothing appended', async (_label, code, field, body) => {
      await expectRefused(engine, () => program.post('/customers', body), 400, code, field);
    });
  });

  describe('401 / 403 / 404', () => {
    it('401 without a key or with a wrong one', async () => {
      await expectRefused(engine, () => program.post('/customers', valid(), null), 401, 'missing_api_key');
      await expectRefused(engine, () => program.post('/customers', valid(), 'Bearer-nope-0123456789'), 401, 'invalid_api_key');
    });
    it("403 forbidden_program with another program's key", async () => {
      await expectRefused(engine, () => program.post('/customers', valid(), other.key), 403, 'forbidden_program');
    });
    it('404 program_not_found (admin key)', async () => {
      await expectRefused(engine, () => engine.call('POST', `/v1/programs/${UNKNOWN_PID}/customers`, valid()), 404, 'program_not_found');
    });
  });

  describe('409 conflicts', () => {
    it('customer_key_taken for a used key', async () => {
      const taken = await program.customer();
      await expectRefused(engine, () => program.post('/customers', { ...valid(), key: taken.key }), 409, 'customer_key_taken', 'key');
    });

    it('customer_email_taken for a used email, whatever its case', async () => {
      const taken = await program.customer();
      const res = await program.post('/customers', { ...valid(), email: taken.email.toUpperCase() });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 409, code: 'customer_email_taken' });
      expect(res.body.errors).toEqual([{ field: 'email', reason: expect.any(String) }]);
    });

    // Reservations.claimAll (libs/api/src/shared/reservations.ts) decides every claim before it
    // appends any, so a taken email is refused before the key is reserved: nothing is appended.
    it('a 409 customer_email_taken appends nothing (no key reserved and released)', async () => {
      const taken = await program.customer();
      await expectRefused(engine, () => program.post('/customers', { ...valid(), email: taken.email }), 409, 'customer_email_taken', 'email');
    });

    it('the same key or email in another program is free', async () => {
      const taken = await program.customer();
      const res = await other.post('/customers', { email: taken.email, name: 'Twin', key: taken.key });
      expectStatus(res, 201);
    });
  });

  describe('null in optional references (JSON null is not a value)', () => {
    /** Whatever the engine decides for a null reference (400, or "absent"), it is never a 500. */
    const expectClientAnswer = async (body: Record<string, unknown>) => {
      const before = await engine.eventCount();
      const res = await program.post('/customers', { ...valid(), ...body });
      expect({ status: res.status, code: res.body?.code }).not.toEqual({ status: 500, code: 'internal_error' });
      expect(res.status).toBeLessThan(500);
      if (res.status >= 400) expect(await engine.eventCount()).toBe(before);
      return res;
    };

    // The DTOs use `Optional()` (libs/api/src/shared/http.ts), which refuses null where
    // class-validator's @IsOptional() would let it through to singleRef
    // (libs/api/src/use-cases/create-customer/create-customer.handler.ts) and a TypeError → 500.
    it('partner: null → not a 500', async () => {
      await expectClientAnswer({ partner: null });
    });
    it('referringCustomer: null → not a 500', async () => {
      await expectClientAnswer({ referringCustomer: null });
    });
    // Lookups.partnerBy/customerBy (libs/api/src/shared/lookups.ts) test `by.email !== undefined`,
    // which a null would pass before `by.email.trim()` throws (500): the null must be refused first.
    it('partner: {email: null} → not a 500', async () => {
      await expectClientAnswer({ partner: { email: null } });
    });
    it('referringCustomer: {email: null} → not a 500', async () => {
      await expectClientAnswer({ referringCustomer: { email: null } });
    });
    // A null key that reached Lookups (libs/api/src/shared/lookups.ts) would be interpolated into
    // the reservation stream name (libs/domain/src/reservation/reservation.ts uniqueStream) as the
    // text "null", and so find the partner whose key is the string "null".
    it('partner: {key: null} does not link the partner whose key is the string "null"', async () => {
      const literal = await program.partner({ key: 'null' });
      const res = await expectClientAnswer({ partner: { key: null } });
      expect(res.body.partnerId ?? null).not.toBe(literal.id);
    });
  });

  describe('422 unprocessable references', () => {
    it('partner_not_found for an unknown partner', async () => {
      for (const ref of [{ key: 'NOPE' }, { id: 'par_nope' }, { email: 'nobody@example.com' }]) {
        await expectRefused(engine, () => program.post('/customers', { ...valid(), partner: ref }), 422, 'partner_not_found', 'partner');
      }
    });
    it("partner_not_found for another program's partner", async () => {
      const foreign = await other.partner();
      await expectRefused(engine, () => program.post('/customers', { ...valid(), partner: { id: foreign.id } }), 422, 'partner_not_found', 'partner');
    });
    it('referring_customer_not_found for an unknown customer', async () => {
      await expectRefused(engine, () => program.post('/customers', { ...valid(), referringCustomer: { key: 'nobody' } }), 422, 'referring_customer_not_found', 'referringCustomer');
    });
    it('partner_denied for a DENIED partner', async () => {
      const denied = await program.partner({ status: 'PENDING' });
      await program.status(denied.id, 'DENIED');
      const res = await program.post('/customers', { ...valid(), partner: { id: denied.id } });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 422, code: 'partner_denied' });
    });
    // The handler decides once before claiming the key and email, so partner_denied is refused
    // without appending ValueReserved/ValueReleased pairs.
    it('a 422 partner_denied appends nothing (decided before the reservations)', async () => {
      const denied = await program.partner({ status: 'PENDING' });
      await program.status(denied.id, 'DENIED');
      await expectRefused(engine, () => program.post('/customers', { ...valid(), partner: { id: denied.id } }), 422, 'partner_denied', 'partner');
    });
  });
});
