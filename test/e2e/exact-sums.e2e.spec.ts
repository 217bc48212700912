import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseCsv, partnerReport, simulateProgram } from '@partner-ledger/analytics';
import { formatAmount, loadMinor, MAX_MINOR } from '@partner-ledger/domain';
import { EVENT_STORE, type EventStore } from '@partner-ledger/event-store';
import { COMMISSION_TOTALS, CONVERSIONS, docId, PAYOUTS, PROGRAM_TOTALS, totalsOf } from '@partner-ledger/projections';
import { caughtUp, expectStatus, newProgram, type ProgramClient, startMongoDbDouble, startTestEngine, type TestEngine } from '@partner-ledger/testing';

/**
 * Sums past 2^53 minor units stay exact, end to end: 100 sales at the maximum amount (one a minor
 * unit under it) at 100 % commission for one partner, 95 of them approved, one denied, one refunded
 * by a minor unit, then paid. Every figure expected here is added up in BigInt from the sales the
 * test makes, and checked in the read models as stored, against the event log, through the HTTP
 * API (the partner, its commissions, the program's totals, the payout and its export) and in the
 * analysts' reports; on the embedded SQLite read store and on the MongoDB adapter.
 */
const SALES = 100;
const APPROVED = 95; // sales 0…94; sale 95 is denied; 96…99 stay pending
const MAX = BigInt(MAX_MINOR);
/** The last sale is a minor unit under the maximum: a float sum would round it away. */
const amountOf = (i: number) => (i === SALES - 1 ? MAX - 1n : MAX);
const sumOf = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => amountOf(from + k)).reduce((a, b) => a + b, 0n);
const REFUND = 1n; // one minor unit of sale 0, taken back from its (approved) commission

const expected = {
  pending: { count: SALES - APPROVED - 1, amount: sumOf(APPROVED + 1, SALES) },
  approved: { count: APPROVED, amount: sumOf(0, APPROVED) - REFUND },
  denied: { count: 1, amount: sumOf(APPROVED, APPROVED + 1) },
  reversed: { count: 1, amount: REFUND },
};
/** Two small partners: as strings "1000" sorts before "900", by amount it does not. */
const SMALL = { bob: '10.00', cay: '9.00' };

describe.each(['sqlite', 'mongodb'] as const)('sums past 2^53 minor units stay exact (%s read store)', (kind) => {
  let engine: TestEngine;
  let mongo: Awaited<ReturnType<typeof startMongoDbDouble>> | undefined;
  let program: ProgramClient;
  let ada: { id: string };
  const partners: Record<string, string> = {};
  let payoutId: string;
  let position: string;

  const get = async (suffix: string) => {
    const res = await engine.call('GET', program.path(suffix), undefined, program.key);
    expectStatus(res, 200);
    return res.body;
  };
  const events = () => engine.app.get<EventStore>(EVENT_STORE, { strict: false });
  const usd = (minor: bigint) => formatAmount(minor, 'USD');
  const view = (t: typeof expected) => Object.fromEntries(Object.entries(t).map(([b, { count, amount }]) => [b, { count, amount: usd(amount) }]));

  beforeAll(async () => {
    expect(expected.approved.amount > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    if (kind === 'mongodb') mongo = await startMongoDbDouble();
    engine = await startTestEngine({ env: mongo ? { MONGO_URL: mongo.url.replace('/?', '/exact_sums?') } : {} });
    expect(engine.readSide.store.kind).toBe(kind);
    program = await newProgram(engine, { commission: { type: 'PERCENT_OF_SALE', amount: '100' } });
    ada = await program.partner();
    const customer = await program.customer({ partner: { id: ada.id } });
    const conversions: string[] = [];
    for (let i = 0; i < SALES; i++) {
      const tx = await program.transaction({ customerKey: customer.key, amount: usd(amountOf(i)) });
      conversions.push(tx.conversion.id);
      if (i < APPROVED) await program.approve(tx.conversion.id);
      if (i === 0) expectStatus(await program.post(`/transactions/${tx.key}/refund`, { amount: usd(REFUND) }), 200);
    }
    expectStatus(await program.post(`/conversions/${conversions[APPROVED]}/deny`, { reason: 'test' }), 200);
    for (const [name, amount] of Object.entries(SMALL)) {
      const sale = await program.sale(amount);
      await program.approve(sale.tx.conversion.id);
      partners[name] = sale.partner.id;
    }
    const created = await program.post('/payouts', { partnerIds: [ada.id] });
    expectStatus(created, 201);
    payoutId = created.body.id;
    const confirmed = await program.post(`/payouts/${payoutId}/confirm`, { reference: 'wire-1' });
    expectStatus(confirmed, 200);
    position = confirmed.body.position;
    await caughtUp(engine.readSide, events());
  }, 50_000);
  afterAll(async () => {
    await engine?.stop();
    await mongo?.close();
  });

  const paid = expected.approved.amount;
  const adaTotals = { ...view(expected), paid: { count: APPROVED, amount: usd(paid) }, balance: '0.00' };

  it('the log itself adds up to the expected totals', async () => {
    let created = 0n;
    let reversed = 0n;
    for (const e of await events().readAll()) {
      const d = e.data as { programId?: string; commissions?: { partnerId: string; amountMinor: number }[]; reversals?: { amountMinor: number }[] };
      if (d.programId !== program.id) continue;
      if (e.type === 'ConversionCreated') for (const line of d.commissions ?? []) if (line.partnerId === ada.id) created += BigInt(line.amountMinor);
      if (e.type === 'TransactionRefunded') for (const line of d.reversals ?? []) reversed += BigInt(line.amountMinor);
    }
    expect(created).toBe(sumOf(0, SALES));
    expect(reversed).toBe(REFUND);
    expect(expected.pending.amount + expected.approved.amount + expected.denied.amount + expected.reversed.amount).toBe(created);
  });

  it('every read model holds the exact sums, as decimal strings of minor units', async () => {
    const store = engine.readSide.store;
    const ns = await store.activeNamespace();
    const stored = (doc: Record<string, unknown> | null) => {
      const t = totalsOf(doc!);
      return Object.fromEntries(Object.entries(t).map(([b, { count, amount }]) => [b, { count, amount }]));
    };
    const adaDoc = await store.get(ns, COMMISSION_TOTALS, docId(program.id, ada.id, 'USD'));
    expect(adaDoc).toMatchObject({ approved: { count: APPROVED, amount: expected.approved.amount.toString() } });
    expect(stored(adaDoc)).toEqual({ ...expected, paid: { count: APPROVED, amount: paid } });
    const small = Object.values(SMALL).reduce((sum, a) => sum + BigInt(a.replace('.', '')), 0n);
    expect(stored(await store.get(ns, PROGRAM_TOTALS, docId(program.id, 'USD')))).toEqual({
      ...expected,
      approved: { count: APPROVED + 2, amount: expected.approved.amount + small },
      paid: { count: APPROVED, amount: paid },
    });
    expect(await store.get(ns, PAYOUTS, docId(program.id, payoutId))).toMatchObject({ totalMinor: paid.toString(), items: [{ partnerId: ada.id, amountMinor: paid.toString() }] });
    let sales = 0n;
    for await (const doc of store.all(ns, CONVERSIONS)) if (doc.programId === program.id && doc.partnerId === ada.id) sales += loadMinor(doc.amountMinor);
    expect(sales).toBe(sumOf(0, SALES));
  });

  it("the partner's totals and the program's, through the HTTP API", async () => {
    const partner = await get(`/partners/${ada.id}?minPosition=${position}`);
    expect(partner.commissionTotals).toEqual([{ partnerId: ada.id, currency: 'USD', ...adaTotals }]);
    expect(partner.conversionCount).toBe(SALES);
    expect(await get(`/partners/${ada.id}/commissions`)).toMatchObject({ items: [{ partnerId: ada.id, ...adaTotals }] });
    const totals = await get(`/commission-totals?minPosition=${position}`);
    expect(totals.program).toMatchObject({ approved: { count: APPROVED + 2, amount: '95000000000018.99' }, pending: view(expected).pending, paid: { amount: usd(paid) } });
    // Highest approved first, by amount (the stored order key), not by the digits as text.
    expect(totals.items.map((t: { partnerId: string }) => t.partnerId)).toEqual([ada.id, partners.bob, partners.cay]);
    const page = await get('/commission-totals?limit=1');
    expect((await get(`/commission-totals?limit=2&cursor=${page.nextCursor}`)).items.map((t: { partnerId: string }) => t.partnerId)).toEqual([partners.bob, partners.cay]);
  });

  it('the payout, its export and the partner as of now', async () => {
    const payout = await get(`/payouts/${payoutId}`);
    expect(payout).toMatchObject({ status: 'PAID', total: usd(paid), items: [{ partnerId: ada.id, amount: usd(paid) }] });
    expect(payout.items[0].conversionIds).toHaveLength(APPROVED);
    const csv = await engine.call('GET', program.path(`/payouts/${payoutId}/export?format=csv`), undefined, program.key);
    expect(parseCsv(csv.body as string)[1][3]).toBe('94999999999999.99');
    const asOf = await get(`/partners/${ada.id}?asOf=${new Date(Date.now() + 1000).toISOString()}`);
    expect(asOf.commissionTotals).toEqual([{ partnerId: ada.id, currency: 'USD', ...adaTotals }]);
  });

  it("the analysts' reports: partner report, live and as of, and simulate", async () => {
    const live = await partnerReport(events(), engine.readSide.store, program.id, ada.id);
    const past = await partnerReport(events(), null, program.id, ada.id, new Date(Date.now() + 1000));
    for (const report of [live, past]) expect(report.commissionTotals).toEqual([{ partnerId: ada.id, currency: 'USD', ...view(expected) }]);
    const simulated = await simulateProgram(events(), program.id, { commission: { type: 'PERCENT_OF_SALE', amount: '100' } });
    const row = simulated.partners.find((p) => p.partnerId === ada.id)!;
    expect(row.actual).toEqual(expected);
    expect(row.simulated).toEqual(expected);
    expect(row.paid).toEqual({ count: APPROVED, amount: paid });
    expect(row.balance).toEqual({ actual: 0n, simulated: 0n });
  });
});
