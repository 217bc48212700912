import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { expectRefused, expectStatus, newProgram, POSITION, type ProgramClient, UNKNOWN_PID, withEventDelta } from '@partner-ledger/testing';

/** POST /programs/:pid/transactions/:key/refund */
describe('refunds over HTTP', () => {
  let engine: TestEngine;
  let program: ProgramClient;
  let other: ProgramClient;
  beforeAll(async () => {
    engine = await startTestEngine();
    program = await newProgram(engine);
    other = await newProgram(engine);
  });
  afterAll(async () => engine.stop());

  const refund = (key: string, body?: unknown, apiKey?: string | null) => program.post(`/transactions/${encodeURIComponent(key)}/refund`, body, apiKey);

  describe('success', () => {
    it('partial refunds after approval reverse commission proportionally; refunding everything brings it to 0.00', async () => {
      const { partner, tx } = await program.sale('149.99');
      await program.approve(tx.conversion.id);

      const first = await withEventDelta(engine, () => refund(tx.key, { amount: '50.00' }));
      expectStatus(first, 200);
      expect(first.appended).toBe(1);
      expect(first.body).toMatchObject({
        key: tx.key,
        amount: '149.99',
        refunded: '50.00',
        currency: 'USD',
        conversion: { id: tx.conversion.id, status: 'APPROVED', partnerId: partner.id, commissions: [{ partnerId: partner.id, level: 1, amount: '10.00' }] },
        refund: { id: expect.stringMatching(/^ref_/), amount: '50.00', reversals: [{ partnerId: partner.id, level: 1, amount: '5.00' }] },
        position: expect.stringMatching(POSITION),
      });

      const second = await refund(tx.key, { amount: 50 });
      expectStatus(second, 200);
      expect(second.body).toMatchObject({
        refunded: '100.00',
        conversion: { commissions: [{ amount: '5.00' }] },
        refund: { amount: '50.00', reversals: [{ partnerId: partner.id, level: 1, amount: '5.00' }] },
      });

      // No amount: everything left.
      const rest = await refund(tx.key);
      expectStatus(rest, 200);
      expect(rest.body).toMatchObject({
        refunded: '149.99',
        conversion: { status: 'APPROVED', commissions: [{ partnerId: partner.id, level: 1, amount: '0.00' }] },
        refund: { amount: '49.99', reversals: [{ partnerId: partner.id, level: 1, amount: '5.00' }] },
      });

      // The conversion itself shows the net commission (approve is idempotent and appends nothing).
      const conversion = await program.approve(tx.conversion.id);
      expect(conversion.commissions).toEqual([{ partnerId: partner.id, level: 1, amount: '0.00' }]);
    });

    it('a full refund in one go reverses every tier exactly', async () => {
      const tiered = await newProgram(engine, { tiers: [{ level: 2, amount: '5' }] });
      const parent = await tiered.partner({ key: 'PARENT' });
      const child = await tiered.partner({ referringPartnerKey: parent.key });
      const customer = await tiered.customer({ partner: { id: child.id } });
      const tx = await tiered.transaction({ customerKey: customer.key, amount: '33.33' });
      await tiered.approve(tx.conversion.id);
      const res = await tiered.post(`/transactions/${tx.key}/refund`, {});
      expectStatus(res, 200);
      expect(res.body.refund.reversals).toEqual([
        { partnerId: child.id, level: 1, amount: '3.33' },
        { partnerId: parent.id, level: 2, amount: '1.67' },
      ]);
      expect(res.body.conversion.commissions.map((c: any) => c.amount)).toEqual(['0.00', '0.00']);
    });

    it('refunding a pending conversion reverses too', async () => {
      const { tx } = await program.sale('100');
      const res = await refund(tx.key, { amount: '25' });
      expectStatus(res, 200);
      expect(res.body).toMatchObject({ conversion: { status: 'PENDING', commissions: [{ amount: '7.50' }] }, refund: { reversals: [{ amount: '2.50' }] } });
    });

    it('a denied conversion owes nothing: its refund has no reversals', async () => {
      const { tx } = await program.sale('100');
      await program.post(`/conversions/${tx.conversion.id}/deny`, {});
      const res = await refund(tx.key, { amount: '10' });
      expectStatus(res, 200);
      expect(res.body.refund.reversals).toEqual([]);
    });

    it('an unattributed sale can be refunded: conversion null, no reversals', async () => {
      const loner = await program.customer();
      const tx = await program.transaction({ customerKey: loner.key, amount: '10' });
      const res = await refund(tx.key, { amount: '1' });
      expectStatus(res, 200);
      expect(res.body).toMatchObject({ refunded: '1.00', conversion: null, refund: { amount: '1.00', reversals: [] } });
    });

    it('a key with reserved URL characters is found when encoded', async () => {
      const { customer } = await program.sale();
      const tx = await program.transaction({ customerKey: customer.key, amount: '10', key: 'ORD/2024#1' });
      const res = await refund(tx.key, { amount: '1' });
      expectStatus(res, 200);
      expect(res.body.key).toBe('ORD/2024#1');
    });
  });

  describe('refusals', () => {
    let tx: any;
    beforeAll(async () => {
      ({ tx } = await program.sale('100'));
      await program.approve(tx.conversion.id);
    });

    it.each([
      ['amount true', 'validation_failed', 'amount', { amount: true }],
      ['amount negative', 'invalid_amount', 'amount', { amount: '-5' }],
      ['amount zero', 'invalid_amount', 'amount', { amount: '0.00' }],
      ['amount 3 decimals', 'invalid_amount', 'amount', { amount: '1.001' }],
      ['amount text', 'invalid_amount', 'amount', { amount: 'all' }],
      ['unknown field', 'validation_failed', 'note', { amount: '1', note: 'x' }],
      ['reason not text', 'validation_failed', 'reason', { amount: '1', reason: 7 }],
    ])('%s → 400 %s naming %s, nothing appended', async (_label, code, field, body) => {
      await expectRefused(engine, () => refund(tx.key, body), 400, code, field);
    });

    it('422 refund_exceeds_remaining', async () => {
      await expectRefused(engine, () => refund(tx.key, { amount: '100.01' }), 422, 'refund_exceeds_remaining', 'amount');
      expectStatus(await refund(tx.key, { amount: '60' }), 200);
      await expectRefused(engine, () => refund(tx.key, { amount: '40.01' }), 422, 'refund_exceeds_remaining', 'amount');
    });

    it('409 transaction_fully_refunded once nothing is left', async () => {
      expectStatus(await refund(tx.key), 200);
      await expectRefused(engine, () => refund(tx.key), 409, 'transaction_fully_refunded');
      await expectRefused(engine, () => refund(tx.key, { amount: '0.01' }), 409, 'transaction_fully_refunded');
    });

    it('404 transaction_not_found: unknown key, or a key of another program', async () => {
      await expectRefused(engine, () => refund('no-such-order', { amount: '1' }), 404, 'transaction_not_found');
      const { tx: foreign } = await other.sale();
      await expectRefused(engine, () => refund(foreign.key), 404, 'transaction_not_found');
    });

    it('401 / 403 / 404 program', async () => {
      const { tx: t } = await program.sale();
      await expectRefused(engine, () => refund(t.key, {}, null), 401, 'missing_api_key');
      await expectRefused(engine, () => refund(t.key, {}, 'wrong-key-0123456789'), 401, 'invalid_api_key');
      await expectRefused(engine, () => refund(t.key, {}, other.key), 403, 'forbidden_program');
      await expectRefused(engine, () => engine.call('POST', `/v1/programs/${UNKNOWN_PID}/transactions/${t.key}/refund`, {}), 404, 'program_not_found');
    });
  });
});
