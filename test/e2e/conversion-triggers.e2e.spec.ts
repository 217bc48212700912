import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { email, expectNoNewEvents, expectRefused, expectStatus, newProgram, POSITION, type ProgramClient, uniq, UNKNOWN_PID, withEventDelta } from '@partner-ledger/testing';

/** POST /programs/:pid/conversion-triggers */
describe('conversion triggers over HTTP', () => {
  let engine: TestEngine;
  let program: ProgramClient;
  let other: ProgramClient;
  let ada: any;
  let bob: any;
  beforeAll(async () => {
    engine = await startTestEngine();
    program = await newProgram(engine);
    other = await newProgram(engine);
    ada = await program.partner({ name: 'Ada' });
    bob = await program.partner({ name: 'Bob' });
  });
  afterAll(async () => engine.stop());

  const create = (body: unknown, key?: string | null) => program.post('/conversion-triggers', body, key);

  describe('success', () => {
    it('201 with {id, partnerId, type, trigger, position}; a COUPON is stored upper case; one event', async () => {
      const code = uniq('ada');
      const res = await withEventDelta(engine, () => create({ partnerId: ada.id, type: 'COUPON', trigger: `  ${code} ` }));
      expectStatus(res, 201);
      expect(res.appended).toBe(1);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^trg_[0-9a-f]{20}$/),
        partnerId: ada.id,
        type: 'COUPON',
        trigger: code.toUpperCase(),
        position: expect.stringMatching(POSITION),
      });
    });

    it('an EMAIL trigger is stored lower case; a SKU as sent', async () => {
      const mail = await create({ partnerId: ada.id, type: 'EMAIL', trigger: 'Fan@Example.COM' });
      expectStatus(mail, 201);
      expect(mail.body).toMatchObject({ type: 'EMAIL', trigger: 'fan@example.com' });
      const sku = await create({ partnerId: ada.id, type: 'SKU', trigger: 'Sku-Mixed-1' });
      expectStatus(sku, 201);
      expect(sku.body).toMatchObject({ type: 'SKU', trigger: 'Sku-Mixed-1' });
    });

    it('the same trigger for the same partner again is idempotent: nothing appended, the original trigger', async () => {
      const code = uniq('again');
      const first = await create({ partnerId: ada.id, type: 'COUPON', trigger: code });
      const again = await expectNoNewEvents(engine, () => create({ partnerId: ada.id, type: 'COUPON', trigger: code.toLowerCase() }));
      expect(again.status).toBeLessThan(300);
      expect(again.body).toMatchObject({ id: first.body.id, partnerId: ada.id, trigger: first.body.trigger });
    });

    it('one value may be a trigger of each type, for different partners', async () => {
      const value = uniq('MULTI');
      expectStatus(await create({ partnerId: ada.id, type: 'COUPON', trigger: value }), 201);
      expectStatus(await create({ partnerId: bob.id, type: 'SKU', trigger: value }), 201);
    });

    it('a PENDING partner may be given a trigger', async () => {
      const pending = await program.partner({ status: 'PENDING' });
      expectStatus(await create({ partnerId: pending.id, type: 'COUPON', trigger: uniq('P') }), 201);
    });
  });

  describe('409 trigger_taken', () => {
    it('for another partner, whatever the case of a coupon', async () => {
      const code = uniq('taken');
      await program.trigger({ partnerId: ada.id, type: 'COUPON', trigger: code });
      await expectRefused(engine, () => create({ partnerId: bob.id, type: 'COUPON', trigger: code.toLowerCase() }), 409, 'trigger_taken', 'trigger');
    });
    it('for an email trigger given again in another case', async () => {
      const mail = email('t');
      await program.trigger({ partnerId: ada.id, type: 'EMAIL', trigger: mail });
      await expectRefused(engine, () => create({ partnerId: bob.id, type: 'EMAIL', trigger: mail.toUpperCase() }), 409, 'trigger_taken', 'trigger');
    });
    it('the same trigger in another program is free', async () => {
      const code = uniq('free');
      await program.trigger({ partnerId: ada.id, type: 'COUPON', trigger: code });
      const p = await other.partner();
      expectStatus(await other.post('/conversion-triggers', { partnerId: p.id, type: 'COUPON', trigger: code }), 201);
    });
  });

  describe('422', () => {
    it('partner_not_found for an unknown partner, or one of another program', async () => {
      await expectRefused(engine, () => create({ partnerId: 'par_nope', type: 'COUPON', trigger: uniq('X') }), 422, 'partner_not_found', 'partnerId');
      const foreign = await other.partner();
      await expectRefused(engine, () => create({ partnerId: foreign.id, type: 'COUPON', trigger: uniq('X') }), 422, 'partner_not_found', 'partnerId');
    });
    it('partner_denied for a DENIED partner', async () => {
      const denied = await program.partner({ status: 'PENDING' });
      await program.status(denied.id, 'DENIED');
      await expectRefused(engine, () => create({ partnerId: denied.id, type: 'COUPON', trigger: uniq('X') }), 422, 'partner_denied', 'partnerId');
    });
  });

  describe('400 validation', () => {
    it.each([
      ['partnerId missing', 'validation_failed', 'partnerId', { type: 'COUPON', trigger: 'X1' }],
      ['type missing', 'validation_failed', 'type', { partnerId: 'par_x', trigger: 'X1' }],
      ['type unknown', 'validation_failed', 'type', { partnerId: 'par_x', type: 'LINK', trigger: 'X1' }],
      ['type lower case', 'validation_failed', 'type', { partnerId: 'par_x', type: 'coupon', trigger: 'X1' }],
      ['trigger missing', 'validation_failed', 'trigger', { partnerId: 'par_x', type: 'COUPON' }],
      ['trigger a number', 'validation_failed', 'trigger', { partnerId: 'par_x', type: 'COUPON', trigger: 10 }],
      ['trigger blank', 'invalid_trigger', 'trigger', { partnerId: 'par_x', type: 'COUPON', trigger: '   ' }],
      ['trigger with a space', 'invalid_trigger', 'trigger', { partnerId: 'par_x', type: 'COUPON', trigger: 'TWO WORDS' }],
      ['trigger too long', 'validation_failed', 'trigger', { partnerId: 'par_x', type: 'COUPON', trigger: 'X'.repeat(129) }],
      ['EMAIL trigger not an address', 'invalid_email', 'trigger', { partnerId: 'par_x', type: 'EMAIL', trigger: 'nobody' }],
      ['unknown field', 'validation_failed', 'expires', { partnerId: 'par_x', type: 'COUPON', trigger: 'X1', expires: '2030-01-01' }],
    ])('%s → 400 %s naming %s, nothing appended', async (_label, code, field, body) => {
      const withPartner = 'partnerId' in body ? { ...body, partnerId: ada.id } : body;
      await expectRefused(engine, () => create(withPartner), 400, code, field);
    });
  });

  describe('401 / 403 / 404', () => {
    const body = () => ({ partnerId: ada.id, type: 'COUPON', trigger: uniq('AUTH') });
    it('401 without a key or with a wrong one', async () => {
      await expectRefused(engine, () => create(body(), null), 401, 'missing_api_key');
      await expectRefused(engine, () => create(body(), 'wrong-key-0123456789'), 401, 'invalid_api_key');
    });
    it("403 forbidden_program with another program's key", async () => {
      await expectRefused(engine, () => create(body(), other.key), 403, 'forbidden_program');
    });
    it('404 program_not_found (admin key)', async () => {
      await expectRefused(engine, () => engine.call('POST', `/v1/programs/${UNKNOWN_PID}/conversion-triggers`, body()), 404, 'program_not_found');
    });
  });
});
