import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fold, type PayoutEvent, transactionDecider, type TransactionEvent } from '@partner-ledger/domain';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { compareNamespaces, rebuildReadModels } from '@partner-ledger/projections';
import { caughtUp, head, openDataDir, RandomHistory, startTestEngine, type TestEngine } from '@partner-ledger/testing';

type Totals = { approved: number; paid: number; paidCount: number };

/**
 * Random histories with payouts (created, confirmed, cancelled, some left as drafts) among sales,
 * approvals, denials and refunds: every partner's approved, paid and balance equal a recomputation
 * from the event log to the cent, also after a rebuild; no commission line is in two unpaid or paid
 * payouts, and no payout item is ever zero or negative.
 */
describe('payouts: conservation over random histories', () => {
  let engine: TestEngine;
  let history: RandomHistory;
  let all: RecordedEvent[];

  beforeAll(async () => {
    engine = await startTestEngine();
    history = await RandomHistory.start(engine, 11);
    await history.run(1500, { payouts: true });
    const data = openDataDir(engine.dataDir);
    all = await data.events.readAll();
    await data.close();
  }, 240_000);
  afterAll(async () => engine?.stop());

  const payoutEvents = () => all.filter((e): e is RecordedEvent<PayoutEvent> => e.streamName.startsWith(`payout-${history.programId}.`)) as RecordedEvent<PayoutEvent>[];

  function recompute(): Map<string, Totals> {
    const pid = history.programId;
    const byStream = new Map<string, RecordedEvent[]>();
    for (const e of all) if (e.streamName.startsWith(`transaction-${pid}.`)) (byStream.get(e.streamName) ?? byStream.set(e.streamName, []).get(e.streamName)!).push(e);
    const totals = new Map<string, Totals>();
    const of = (partnerId: string) => totals.get(partnerId) ?? totals.set(partnerId, { approved: 0, paid: 0, paidCount: 0 }).get(partnerId)!;
    for (const stream of byStream.values()) {
      const state = fold(
        transactionDecider,
        stream.map((e) => ({ type: e.type, data: e.data }) as TransactionEvent),
      );
      if (!state.exists || !state.conversion) continue;
      const c = state.conversion;
      c.commissions.forEach((line, i) => {
        of(line.partnerId);
        if (c.status === 'APPROVED') of(line.partnerId).approved += line.amountMinor - c.reversed[i];
      });
    }
    for (const e of payoutEvents()) {
      if (e.type !== 'PayoutPaid') continue;
      for (const item of e.data.items) {
        of(item.partnerId).paid += item.amountMinor;
        of(item.partnerId).paidCount += item.lines.length;
      }
    }
    return totals;
  }

  async function served(): Promise<Map<string, Totals & { balance: number }>> {
    const out = new Map<string, Totals & { balance: number }>();
    const minor = (amount: string) => Math.round(Number(amount) * 100);
    let cursor: string | null = null;
    do {
      const res = await engine.call(
        'GET',
        `/v1/programs/${history.programId}/commission-totals?limit=50&minPosition=${all.at(-1)!.position}${cursor ? `&cursor=${cursor}` : ''}`,
        undefined,
        history.apiKey,
      );
      expect(res.status).toBe(200);
      for (const t of res.body.items) out.set(t.partnerId, { approved: minor(t.approved.amount), paid: minor(t.paid.amount), paidCount: t.paid.count, balance: minor(t.balance) });
      cursor = res.body.nextCursor;
    } while (cursor);
    return out;
  }

  it('the history pays, cancels, leaves drafts and nets clawbacks off', () => {
    const types = payoutEvents().map((e) => e.type);
    expect(types.filter((t) => t === 'PayoutPaid').length).toBeGreaterThan(3);
    expect(types).toContain('PayoutCancelled');
    expect(history.stats.statuses[422]).toBeGreaterThan(0);
    const clawbacks = payoutEvents()
      .flatMap((e) => (e.type === 'PayoutCreated' ? e.data.items.flatMap((i) => i.lines) : []))
      .filter((l) => l.amountMinor < 0);
    expect(clawbacks.length).toBeGreaterThan(0);
  });

  it('approved, paid and balance per partner equal a recomputation from the log, to the cent', async () => {
    const expected = recompute();
    const actual = await served();
    for (const [partnerId, t] of expected) {
      expect({ partnerId, ...(actual.get(partnerId) ?? { approved: 0, paid: 0, paidCount: 0, balance: 0 }) }).toEqual({ partnerId, ...t, balance: t.approved - t.paid });
    }
  });

  it('no commission line is in two draft or paid payouts, and no item is zero or negative', () => {
    const holder = new Map<string, string>();
    const cancelled = new Set(payoutEvents().flatMap((e) => (e.type === 'PayoutCancelled' ? [e.data.payoutId] : [])));
    for (const e of payoutEvents()) {
      if (e.type !== 'PayoutCreated') continue;
      for (const item of e.data.items) {
        expect(item.amountMinor).toBeGreaterThan(0);
        if (cancelled.has(e.data.payoutId)) continue;
        for (const line of item.lines) {
          const settlement = `${line.conversionId}.${item.partnerId}.${line.claim}`;
          expect({ settlement, heldBy: holder.get(settlement) }).toEqual({ settlement, heldBy: undefined });
          holder.set(settlement, e.data.payoutId);
        }
      }
    }
    expect(holder.size).toBeGreaterThan(0);
  });

  it('a rebuild of the read models gives the same documents, totals included', async () => {
    const data = openDataDir(engine.dataDir);
    try {
      await data.readSide.start();
      await caughtUp(data.readSide, data.events);
      const live = await data.store.activeNamespace();
      expect(await head(data.events)).toBe(all.at(-1)!.position);
      const result = await rebuildReadModels(data.events, data.store, { batchSize: 89 });
      const comparison = await compareNamespaces(data.store, live, result.namespace);
      expect(comparison.differences).toEqual([]);
      expect(comparison.equal).toBe(true);
    } finally {
      await data.close(data.readSide);
    }
  });
});
