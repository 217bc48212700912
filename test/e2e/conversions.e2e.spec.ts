import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { expectNoNewEvents, expectRefused, expectStatus, newProgram, POSITION, type ProgramClient, UNKNOWN_PID, withEventDelta } from '@partner-ledger/testing';

/** POST /programs/:pid/conversions/:id/approve · POST /programs/:pid/conversions/:id/deny */
describe('conversions over HTTP', () => {
  let engine: TestEngine;
  let program: ProgramClient;
  let other: ProgramClient;
  beforeAll(async () => {
    engine = await startTestEngine();
    program = await newProgram(engine);
    other = await newProgram(engine);
  });
  afterAll(async () => engine.stop());

  const approve = (id: string, key?: string | null) => program.post(`/conversions/${id}/approve`, undefined, key);
  const deny = (id: string, body?: unknown, key?: string | null) => program.post(`/conversions/${id}/deny`, body, key);

  describe('approve', () => {
    it('200 with {id, status, transactionKey, partnerId, amount, commissions, position}; one event', async () => {
      const { partner, tx } = await program.sale('149.99');
      const res = await withEventDelta(engine, () => approve(tx.conversion.id));
      expectStatus(res, 200);
      expect(res.appended).toBe(1);
      expect(res.body).toMatchObject({
        id: tx.conversion.id,
        status: 'APPROVED',
        transactionKey: tx.key,
        partnerId: partner.id,
        amount: '149.99',
        commissions: [{ partnerId: partner.id, level: 1, amount: '15.00' }],
        position: expect.stringMatching(POSITION),
      });
      expect(BigInt(res.body.position) > BigInt(tx.position)).toBe(true);
    });

    it('approving twice is idempotent: 200, same answer, nothing appended', async () => {
      const { tx } = await program.sale();
      const first = await approve(tx.conversion.id);
      const again = await expectNoNewEvents(engine, () => approve(tx.conversion.id));
      expectStatus(again, 200);
      expect(again.body).toEqual(first.body);
    });

    it('409 conversion_denied for a denied conversion', async () => {
      const { tx } = await program.sale();
      expectStatus(await deny(tx.conversion.id, { reason: 'fraud' }), 200);
      await expectRefused(engine, () => approve(tx.conversion.id), 409, 'conversion_denied');
    });

    it('409 transaction_fully_refunded for a fully refunded pending conversion', async () => {
      const { tx } = await program.sale();
      expectStatus(await program.post(`/transactions/${tx.key}/refund`), 200);
      await expectRefused(engine, () => approve(tx.conversion.id), 409, 'transaction_fully_refunded');
    });

    it('404 conversion_not_found: unknown, malformed, of an unattributed sale, of another program', async () => {
      const loner = await program.customer();
      const unattributed = await program.transaction({ customerKey: loner.key, amount: '10' });
      const { tx: foreign } = await other.sale();
      const unknownButWellFormed = `cv_${Buffer.from('no-such-order').toString('base64url')}`;
      for (const id of [unknownButWellFormed, 'nope', 'cv_!!', `cv_${Buffer.from(unattributed.key).toString('base64url')}`, foreign.conversion.id]) {
        await expectRefused(engine, () => approve(id), 404, 'conversion_not_found');
      }
    });

    it('401 / 403 / 404 program', async () => {
      const { tx } = await program.sale();
      await expectRefused(engine, () => approve(tx.conversion.id, null), 401, 'missing_api_key');
      await expectRefused(engine, () => approve(tx.conversion.id, 'wrong-key-0123456789'), 401, 'invalid_api_key');
      await expectRefused(engine, () => approve(tx.conversion.id, other.key), 403, 'forbidden_program');
      await expectRefused(engine, () => engine.call('POST', `/v1/programs/${UNKNOWN_PID}/conversions/${tx.conversion.id}/approve`), 404, 'program_not_found');
    });
  });

  describe('deny', () => {
    it('200 with the DENIED conversion; one event; a reason is optional', async () => {
      const { partner, tx } = await program.sale('20');
      const res = await withEventDelta(engine, () => deny(tx.conversion.id, { reason: 'duplicate order' }));
      expectStatus(res, 200);
      expect(res.appended).toBe(1);
      expect(res.body).toMatchObject({
        id: tx.conversion.id,
        status: 'DENIED',
        transactionKey: tx.key,
        partnerId: partner.id,
        amount: '20.00',
        commissions: [{ partnerId: partner.id, level: 1, amount: '2.00' }],
        position: expect.stringMatching(POSITION),
      });
      const { tx: tx2 } = await program.sale();
      expectStatus(await deny(tx2.conversion.id), 200);
      const { tx: tx3 } = await program.sale();
      expectStatus(await deny(tx3.conversion.id, {}), 200);
    });

    it('denying twice is idempotent: 200, nothing appended', async () => {
      const { tx } = await program.sale();
      await deny(tx.conversion.id);
      const again = await expectNoNewEvents(engine, () => deny(tx.conversion.id, { reason: 'again' }));
      expectStatus(again, 200);
      expect(again.body.status).toBe('DENIED');
    });

    it('409 conversion_already_approved for an approved conversion', async () => {
      const { tx } = await program.sale();
      await program.approve(tx.conversion.id);
      await expectRefused(engine, () => deny(tx.conversion.id, { reason: 'late' }), 409, 'conversion_already_approved');
    });

    it.each([
      ['reason a number', 'validation_failed', 'reason', { reason: 5 }],
      ['reason too long', 'validation_failed', 'reason', { reason: 'x'.repeat(501) }],
      ['unknown field', 'validation_failed', 'status', { status: 'DENIED' }],
    ])('%s → 400 %s naming %s, nothing appended', async (_label, code, field, body) => {
      const { tx } = await program.sale();
      await expectRefused(engine, () => deny(tx.conversion.id, body), 400, code, field);
    });

    it('404 conversion_not_found', async () => {
      await expectRefused(engine, () => deny(`cv_${Buffer.from('no-such-order').toString('base64url')}`), 404, 'conversion_not_found');
      await expectRefused(engine, () => deny('whatever', { reason: 'x' }), 404, 'conversion_not_found');
    });

    it('401 / 403 / 404 program', async () => {
      const { tx } = await program.sale();
      await expectRefused(engine, () => deny(tx.conversion.id, {}, null), 401, 'missing_api_key');
      await expectRefused(engine, () => deny(tx.conversion.id, {}, 'wrong-key-0123456789'), 401, 'invalid_api_key');
      await expectRefused(engine, () => deny(tx.conversion.id, {}, other.key), 403, 'forbidden_program');
      await expectRefused(engine, () => engine.call('POST', `/v1/programs/${UNKNOWN_PID}/conversions/${tx.conversion.id}/deny`, {}), 404, 'program_not_found');
    });
  });
});
