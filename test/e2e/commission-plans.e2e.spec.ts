import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { expectRefused, newProgram, type ProgramClient, uniq } from '@partner-ledger/testing';

/** Commission plans through HTTP: multi-tier, FLAT_RATE, currencies with 0 and 3 minor digits. */
describe('commission plans over HTTP', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine();
  });
  afterAll(async () => engine.stop());

  describe('multi-tier: 10%, level 2 5%, level 3 2%; A ← B ← C ← D', () => {
    let program: ProgramClient;
    let a: any, b: any, c: any, d: any;
    beforeAll(async () => {
      program = await newProgram(engine, {
        tiers: [
          { level: 2, amount: '5' },
          { level: 3, amount: '2' },
        ],
      });
      a = await program.partner({ name: 'A', key: uniq('A') });
      b = await program.partner({ name: 'B', key: uniq('B'), referringPartnerKey: a.key });
      c = await program.partner({ name: 'C', key: uniq('C'), referringPartnerKey: b.key });
      d = await program.partner({ name: 'D', key: uniq('D'), referringPartnerKey: c.key });
    });

    it('the program answers with its tiers', () => {
      expect(program.body.tiers).toEqual([
        { level: 2, amount: '5' },
        { level: 3, amount: '2' },
      ]);
      expect([b.referringPartnerId, c.referringPartnerId]).toEqual([a.id, b.id]);
    });

    it("a sale of 149.99 by C's customer pays C 15.00, B 7.50, A 3.00 (each rounded half up from 14.999, 7.4995, 2.9998)", async () => {
      const customer = await program.customer({ partner: { key: c.key } });
      const tx = await program.transaction({ customerKey: customer.key, amount: '149.99' });
      expect(tx.conversion.partnerId).toBe(c.id);
      expect(tx.conversion.commissions).toEqual([
        { partnerId: c.id, level: 1, amount: '15.00' },
        { partnerId: b.id, level: 2, amount: '7.50' },
        { partnerId: a.id, level: 3, amount: '3.00' },
      ]);
    });

    it("a sale by D's customer stops at level 3: A, four levels up, earns nothing", async () => {
      const customer = await program.customer({ partner: { key: d.key } });
      const tx = await program.transaction({ customerKey: customer.key, amount: '200' });
      expect(tx.conversion.commissions).toEqual([
        { partnerId: d.id, level: 1, amount: '20.00' },
        { partnerId: c.id, level: 2, amount: '10.00' },
        { partnerId: b.id, level: 3, amount: '4.00' },
      ]);
    });

    it("a sale by B's customer pays B and A only", async () => {
      const customer = await program.customer({ partner: { key: b.key } });
      const tx = await program.transaction({ customerKey: customer.key, amount: '100' });
      expect(tx.conversion.commissions).toEqual([
        { partnerId: b.id, level: 1, amount: '10.00' },
        { partnerId: a.id, level: 2, amount: '5.00' },
      ]);
    });

    it('a referrer who is not ACTIVE forfeits its level; the chain is not compressed', async () => {
      const top = await program.partner({ key: uniq('TOP') });
      const mid = await program.partner({ key: uniq('MID'), referringPartnerKey: top.key });
      const low = await program.partner({ key: uniq('LOW'), referringPartnerKey: mid.key });
      await program.status(mid.id, 'DISABLED');
      const customer = await program.customer({ partner: { key: low.key } });
      const tx = await program.transaction({ customerKey: customer.key, amount: '100' });
      expect(tx.conversion.commissions).toEqual([
        { partnerId: low.id, level: 1, amount: '10.00' },
        { partnerId: top.id, level: 3, amount: '2.00' },
      ]);
    });

    it('approving pays every level; the approve response carries them all', async () => {
      const customer = await program.customer({ partner: { key: c.key } });
      const tx = await program.transaction({ customerKey: customer.key, amount: '10' });
      const approved = await program.approve(tx.conversion.id);
      expect(approved).toMatchObject({ status: 'APPROVED', amount: '10.00', commissions: tx.conversion.commissions });
    });
  });

  describe('FLAT_RATE', () => {
    it('pays the flat amount per conversion whatever the sale, at every tier', async () => {
      const program = await newProgram(engine, { commission: { type: 'FLAT_RATE', amount: '5' }, tiers: [{ level: 2, amount: '1.5' }] });
      expect(program.body).toMatchObject({ commission: { type: 'FLAT_RATE', amount: '5.00' }, tiers: [{ level: 2, amount: '1.50' }] });
      const parent = await program.partner({ key: uniq('PAR') });
      const child = await program.partner({ referringPartnerKey: parent.key });
      const customer = await program.customer({ partner: { id: child.id } });
      for (const amount of ['149.99', '1.00', 1000000]) {
        const tx = await program.transaction({ customerKey: customer.key, amount });
        expect(tx.conversion.commissions).toEqual([
          { partnerId: child.id, level: 1, amount: '5.00' },
          { partnerId: parent.id, level: 2, amount: '1.50' },
        ]);
      }
    });
  });

  describe('JPY (0 minor digits)', () => {
    let program: ProgramClient;
    let customer: any;
    let partner: any;
    beforeAll(async () => {
      program = await newProgram(engine, { currency: 'JPY' });
      ({ partner, customer } = await program.sale('1000'));
    });

    it('amounts have no decimals; 10% of 1005 is 101 (100.5 rounded half up)', async () => {
      const tx = await program.transaction({ customerKey: customer.key, amount: 1005 });
      expect(tx).toMatchObject({ amount: '1005', currency: 'JPY', conversion: { commissions: [{ partnerId: partner.id, level: 1, amount: '101' }] } });
      const tx2 = await program.transaction({ customerKey: customer.key, amount: '1004' });
      expect(tx2).toMatchObject({ amount: '1004', conversion: { commissions: [{ amount: '100' }] } });
    });

    it('refuses decimals, zeros too: 1000.5 and 1004.0 JPY → 400 invalid_amount', async () => {
      await expectRefused(engine, () => program.post('/transactions', { customerKey: customer.key, amount: '1000.5' }), 400, 'invalid_amount', 'amount');
      await expectRefused(engine, () => program.post('/transactions', { customerKey: customer.key, amount: '1004.0' }), 400, 'invalid_amount', 'amount');
    });

    it('refuses USD on a JPY program → 422 currency_mismatch', async () => {
      await expectRefused(engine, () => program.post('/transactions', { customerKey: customer.key, amount: '1000', currency: 'USD' }), 422, 'currency_mismatch', 'currency');
    });

    it('refunds and reversals are whole yen', async () => {
      const tx = await program.transaction({ customerKey: customer.key, amount: '999' });
      expect(tx.conversion.commissions[0].amount).toBe('100'); // 99.9 → 100
      const refund = await program.post(`/transactions/${tx.key}/refund`, { amount: '333' });
      expect(refund.status).toBe(200);
      expect(refund.body.refund).toMatchObject({ amount: '333', reversals: [{ partnerId: partner.id, level: 1, amount: '33' }] });
      expect(refund.body.conversion.commissions[0].amount).toBe('67');
    });
  });

  describe('BHD (3 minor digits)', () => {
    it('10% of 1.234 BHD is 0.123', async () => {
      const program = await newProgram(engine, { currency: 'BHD' });
      const { tx } = await program.sale('1.234');
      expect(tx).toMatchObject({ amount: '1.234', currency: 'BHD', conversion: { commissions: [{ amount: '0.123' }] } });
    });
  });
});
