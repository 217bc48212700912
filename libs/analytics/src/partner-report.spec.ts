import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { partnerAsOf } from '@partner-ledger/projections';
import { COMMISSION_TOTALS, docId, PARTNERS } from '@partner-ledger/projections';
import type { StoredDoc } from '@partner-ledger/read-store';
import { partnerReport } from './partner-report.js';
import { caughtUp, openDataDir, RandomHistory } from '@partner-ledger/testing';

const withoutPos = (doc: StoredDoc | null) => {
  if (!doc) return null;
  const { pos: _pos, ...rest } = doc;
  return rest;
};

interface Snapshot {
  at: Date;
  partners: Map<string, { partner: unknown; totals: unknown[] }>;
}

describe('as-of: the state at a past time equals the live state captured at that time', () => {
  let engine: TestEngine;
  let data: ReturnType<typeof openDataDir>;
  let history: RandomHistory;
  const snapshots: Snapshot[] = [];

  /** Live read models of every partner of the program, once the read side has caught up. */
  async function capture(): Promise<Snapshot['partners']> {
    await caughtUp(data.readSide, data.events);
    const ns = await data.store.activeNamespace();
    const out: Snapshot['partners'] = new Map();
    for (const p of history.partners) {
      const partner = withoutPos(await data.store.get(ns, PARTNERS, docId(history.programId, p.id)));
      const totals = await data.store.find(ns, COMMISSION_TOTALS, {
        where: { programId: history.programId, partnerId: p.id },
        orderBy: [{ field: 'currency', direction: 'asc' }],
        limit: 10,
      });
      out.set(p.id, { partner, totals: totals.map(withoutPos) });
    }
    return out;
  }

  beforeAll(async () => {
    engine = await startTestEngine();
    data = openDataDir(engine.dataDir);
    await data.readSide.start();
    history = await RandomHistory.start(engine, 21);
    const other = await RandomHistory.start(engine, 22);
    for (let phase = 0; phase < 4; phase++) {
      await history.run(40);
      await other.run(10);
      const partners = await capture();
      // Real timestamps: the phase's events are strictly before `at`, the next phase's strictly after.
      await sleep(15);
      const at = new Date();
      await sleep(15);
      snapshots.push({ at, partners });
    }
  }, 120_000);

  afterAll(async () => {
    await data?.close(data.readSide);
    await engine?.stop();
  });

  it('partnerAsOf at each phase boundary equals the live read models captured then', async () => {
    let compared = 0;
    for (const snapshot of snapshots) {
      for (const [partnerId, live] of snapshot.partners) {
        const state = await partnerAsOf(data.events, history.programId, partnerId, snapshot.at);
        expect({ partnerId, at: snapshot.at, partner: state.partner }).toEqual({ partnerId, at: snapshot.at, partner: live.partner });
        expect({ partnerId, at: snapshot.at, totals: state.commissionTotals }).toEqual({ partnerId, at: snapshot.at, totals: live.totals });
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(20);
    // The phases really differ: some partner's totals moved between the first and the last.
    const first = snapshots[0].partners;
    const last = snapshots[snapshots.length - 1].partners;
    expect([...first.keys()].some((id) => JSON.stringify(first.get(id)) !== JSON.stringify(last.get(id)))).toBe(true);
  });

  it('before a partner existed, as-of finds nothing; a partner created later is absent from early snapshots', async () => {
    const late = history.partners.find((p) => !snapshots[0].partners.has(p.id))!;
    expect(late).toBeDefined();
    const state = await partnerAsOf(data.events, history.programId, late.id, snapshots[0].at);
    expect(state).toMatchObject({ partner: null, commissionTotals: [] });
    const report = await partnerReport(data.events, null, history.programId, late.id, new Date(0));
    expect(report).toMatchObject({ partner: null, commissionTotals: [], position: null, asOf: '1970-01-01T00:00:00.000Z' });
  });

  it('partnerReport: live and as-of now agree; amounts are decimal strings', async () => {
    await caughtUp(data.readSide, data.events);
    const earner = [...snapshots[3].partners.entries()].find(([, s]) => s.totals.length > 0)![0];
    const live = await partnerReport(data.events, data.store, history.programId, earner);
    const now = await partnerReport(data.events, null, history.programId, earner, new Date(Date.now() + 1000));
    expect(live.namespace).toBe(await data.store.activeNamespace());
    expect(now.partner).toEqual(live.partner);
    expect(now.commissionTotals).toEqual(live.commissionTotals);
    expect(live.partner).toMatchObject({ id: earner, status: expect.any(String), referralCount: expect.any(Number) });
    expect(live.partner).not.toHaveProperty('pos');
    const totals = live.commissionTotals[0] as Record<string, { count: number; amount: string }>;
    expect(totals.currency).toBe('USD');
    for (const b of ['pending', 'approved', 'denied', 'reversed']) expect(totals[b].amount).toMatch(/^-?\d+\.\d{2}$/);
    expect(live.position).toMatch(/^\d+$/);
  });
});
