import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { email, expectStatus, newProgram, type ProgramClient, uniq, withEventDelta } from '@partner-ledger/testing';

/** Who a sale is attributed to, through HTTP: partnerKey > coupon > customer link > EMAIL > SKU. */
describe('attribution over HTTP', () => {
  let engine: TestEngine;
  let program: ProgramClient;
  // One partner per source, so the winner is unambiguous.
  let byKey: any, byCoupon: any, byLink: any, byEmail: any, bySku: any;
  let coupon: any, emailTrigger: any, skuTrigger: any;
  const couponCode = uniq('Summer');
  const sku = uniq('SKU-');
  const buyerEmail = email('buyer');

  beforeAll(async () => {
    engine = await startTestEngine();
    program = await newProgram(engine);
    [byKey, byCoupon, byLink, byEmail, bySku] = await Promise.all(['key', 'coupon', 'link', 'email', 'sku'].map((n) => program.partner({ name: n, key: uniq(n.toUpperCase()) })));
    coupon = await program.trigger({ partnerId: byCoupon.id, type: 'COUPON', trigger: couponCode.toLowerCase() });
    emailTrigger = await program.trigger({ partnerId: byEmail.id, type: 'EMAIL', trigger: buyerEmail.toUpperCase() });
    skuTrigger = await program.trigger({ partnerId: bySku.id, type: 'SKU', trigger: sku });
  });
  afterAll(async () => engine.stop());

  const expectEarns = (tx: any, partner: any, source: string, triggerId: string | null = null) => {
    expect(tx.attribution).toEqual({ source, partnerId: partner.id, triggerId });
    expect(tx.unattributedReason).toBeNull();
    expect(tx.conversion).toMatchObject({ status: 'PENDING', partnerId: partner.id, commissions: [{ partnerId: partner.id, level: 1, amount: '10.00' }] });
  };

  it('by partnerKey', async () => {
    const c = await program.customer();
    expectEarns(await program.transaction({ customerKey: c.key, amount: '100', partnerKey: byKey.key }), byKey, 'partner_key');
  });

  it('by coupon code, case-insensitively', async () => {
    const c = await program.customer();
    for (const code of [couponCode, couponCode.toUpperCase(), couponCode.toLowerCase()]) {
      expectEarns(await program.transaction({ customerKey: c.key, amount: '100', couponCode: code }), byCoupon, 'coupon', coupon.id);
    }
  });

  it("by the customer's linked partner", async () => {
    const c = await program.customer({ partner: { key: byLink.key } });
    expectEarns(await program.transaction({ customerKey: c.key, amount: '100' }), byLink, 'customer');
  });

  it("by an EMAIL trigger on the customer's email (case-insensitive)", async () => {
    const c = await program.customer({ email: buyerEmail });
    expectEarns(await program.transaction({ customerKey: c.key, amount: '100' }), byEmail, 'email_trigger', emailTrigger.id);
  });

  it('by a SKU trigger on productId', async () => {
    const c = await program.customer();
    expectEarns(await program.transaction({ customerKey: c.key, amount: '100', productId: sku }), bySku, 'sku_trigger', skuTrigger.id);
  });

  it('an unknown coupon code is not an error: the next source applies', async () => {
    const c = await program.customer({ partner: { key: byLink.key } });
    expectEarns(await program.transaction({ customerKey: c.key, amount: '100', couponCode: 'NO-SUCH-CODE' }), byLink, 'customer');
  });

  describe('precedence', () => {
    // Linked to byLink, and its email is an EMAIL trigger of byEmail: every source names someone.
    let everything: any;
    beforeAll(async () => {
      const bothEmail = email('both');
      await program.trigger({ partnerId: byEmail.id, type: 'EMAIL', trigger: bothEmail });
      everything = await program.customer({ email: bothEmail, partner: { key: byLink.key } });
    });

    it('partnerKey beats coupon, customer link, EMAIL and SKU', async () => {
      const tx = await program.transaction({ customerKey: everything.key, amount: '100', partnerKey: byKey.key, couponCode, productId: sku });
      expectEarns(tx, byKey, 'partner_key');
    });
    it('coupon beats customer link, EMAIL and SKU', async () => {
      const tx = await program.transaction({ customerKey: everything.key, amount: '100', couponCode, productId: sku });
      expectEarns(tx, byCoupon, 'coupon', coupon.id);
    });
    it('customer link beats EMAIL and SKU', async () => {
      const tx = await program.transaction({ customerKey: everything.key, amount: '100', productId: sku });
      expectEarns(tx, byLink, 'customer');
    });
    it('EMAIL trigger beats SKU', async () => {
      const buyer = await program.customer({ email: email('sku-and-mail') });
      await program.trigger({ partnerId: byEmail.id, type: 'EMAIL', trigger: buyer.email });
      const tx = await program.transaction({ customerKey: buyer.key, amount: '100', productId: sku });
      expect(tx.attribution).toMatchObject({ source: 'email_trigger', partnerId: byEmail.id });
    });
  });

  describe('partners who are not ACTIVE', () => {
    it("a DISABLED partner's sale is recorded with no conversion: conversion null, unattributedReason partner_not_active; one event", async () => {
      const p = await program.partner();
      await program.status(p.id, 'DISABLED');
      const c = await program.customer({ partner: { id: p.id } });
      const res = await withEventDelta(engine, () => program.post('/transactions', { customerKey: c.key, amount: '100', key: uniq('ORD-') }));
      expectStatus(res, 201);
      expect(res.appended).toBe(1);
      expect(res.body).toMatchObject({
        amount: '100.00',
        conversion: null,
        unattributedReason: 'partner_not_active',
        attribution: { source: 'customer', partnerId: p.id },
      });
    });

    it('the sale is not handed to the next source: a DISABLED partnerKey with a valid coupon still earns nobody', async () => {
      const p = await program.partner({ key: uniq('OFF') });
      await program.status(p.id, 'DISABLED');
      const c = await program.customer();
      const tx = await program.transaction({ customerKey: c.key, amount: '100', partnerKey: p.key, couponCode });
      expect(tx).toMatchObject({ conversion: null, unattributedReason: 'partner_not_active', attribution: { source: 'partner_key', partnerId: p.id } });
    });

    it('a PENDING partner earns nothing either; once ACTIVE again, a DISABLED partner earns again', async () => {
      const pending = await program.partner({ status: 'PENDING' });
      const c1 = await program.customer({ partner: { id: pending.id } });
      expect((await program.transaction({ customerKey: c1.key, amount: '100' })).unattributedReason).toBe('partner_not_active');
      await program.status(pending.id, 'ACTIVE');
      await program.status(pending.id, 'DISABLED');
      await program.status(pending.id, 'ACTIVE');
      expectEarns(await program.transaction({ customerKey: c1.key, amount: '100' }), pending, 'customer');
    });
  });
});
