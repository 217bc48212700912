import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_STORE, type EventStore } from '@partner-ledger/event-store';
import { autoApproverOf, caughtUp as readSideCaughtUp, MovableClock, until, newProgram, type ProgramClient, startTestEngine, type TestEngine } from '@partner-ledger/testing';

/**
 * The auto-approver as a durable, time-based process, with a clock the test moves: nothing is
 * approved before the hold ends, everything due is approved once it has, exactly once, also across
 * a restart on the same data and with two engines on one SQLite file racing for the same work.
 * The loop's interval is an hour, so only the look each engine makes as it starts, and the looks
 * the test asks for, run.
 */
describe('auto-approval with a movable clock', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pl-auto-'));
  const env = { AUTO_APPROVAL_INTERVAL: '1h', AUTO_APPROVAL_BATCH_SIZE: '2' };
  const engines: TestEngine[] = [];
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.stop({ keepData: true }).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (clock: MovableClock) => {
    const engine = await startTestEngine({ dataDir, env, clock });
    engines.push(engine);
    return engine;
  };
  const approverOf = autoApproverOf;
  /** Every APPROVED entry of a conversion's history, from its transaction's stream. */
  const approvals = async (engine: TestEngine, program: ProgramClient, conversionId: string) =>
    ((await engine.call('GET', program.path(`/conversions/${conversionId}/history`), undefined, program.key)).body.items as { type: string; actor: unknown }[]).filter(
      (e) => e.type === 'APPROVED',
    );
  const caughtUp = (engine: TestEngine) => readSideCaughtUp(engine.readSide, engine.app.get<EventStore>(EVENT_STORE, { strict: false }));

  it('approves each due conversion exactly once when its hold has passed, across a restart', async () => {
    const clock = new MovableClock(new Date('2026-03-01T10:00:00.000Z'));
    let engine = await start(clock);
    const program = await newProgram(engine, { approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 7 } });
    const sales = [];
    for (let i = 0; i < 5; i++) sales.push(await program.sale('100.00'));
    const [denied, refunded, ...kept] = sales;
    expect(sales[0].tx.conversion.approval).toEqual({ mode: 'AUTO_AFTER_HOLD', holdDays: 7, holdUntil: '2026-03-08T10:00:00.000Z' });
    await caughtUp(engine);

    // Day 6: still held.
    clock.advanceDays(6);
    expect(await approverOf(engine).run()).toEqual({ approved: 0, skipped: 0 });
    expect((await program.post(`/conversions/${denied.tx.conversion.id}/deny`, { reason: 'fraud' })).status).toBe(200);
    expect((await program.post(`/transactions/${refunded.tx.key}/refund`, {})).status).toBe(200);
    // A sale on day 6 falls due on day 13.
    const late = await program.sale('50.00');
    await caughtUp(engine);

    // Restart in the middle, on the same data; the engine comes back on day 8.
    await engine.stop({ keepData: true });
    engines.splice(0);
    clock.advanceDays(2);
    engine = await start(clock);
    await caughtUp(engine);
    // Its start-up look approves what is due; more looks, also at once, find nothing left to do.
    await until('the start-up look approved them', () => approverOf(engine).approvedTotal === kept.length);
    await Promise.all([approverOf(engine).run(), approverOf(engine).run()]);
    // Whichever look made them, this engine made each approval once (its count covers every look).
    expect(approverOf(engine).approvedTotal).toBe(kept.length);
    for (const { tx } of kept) expect(await approvals(engine, program, tx.conversion.id)).toEqual([expect.objectContaining({ actor: { type: 'ENGINE', rule: 'AUTO_AFTER_HOLD' } })]);
    expect(await approvals(engine, program, denied.tx.conversion.id)).toEqual([]);
    expect(await approvals(engine, program, refunded.tx.conversion.id)).toEqual([]);
    expect(await approvals(engine, program, late.tx.conversion.id)).toEqual([]);

    // Day 13: the late sale falls due.
    clock.advanceDays(5);
    await caughtUp(engine);
    expect(await approverOf(engine).run()).toMatchObject({ approved: 1 });
    expect(await approvals(engine, program, late.tx.conversion.id)).toHaveLength(1);
    const totals = (await engine.call('GET', program.path(`/conversions?status=APPROVED&minPosition=0`), undefined, program.key)).body.items;
    expect(totals.map((c: { id: string }) => c.id).sort()).toEqual([...kept, late].map((s) => s.tx.conversion.id).sort());
  });

  it('two engines on one SQLite file racing for the same due conversions approve each exactly once', async () => {
    const clock = new MovableClock(new Date('2026-03-01T10:00:00.000Z'));
    const a = await start(clock);
    const program = await newProgram(a, { approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 1 } });
    const sales = [];
    for (let i = 0; i < 6; i++) sales.push(await program.sale('10.00'));
    const b = await start(clock);
    await caughtUp(a);
    await caughtUp(b);
    clock.advanceDays(1);
    // Both look at once, each over the same due documents (batches of 2), through their own command path.
    const [ra, rb] = await Promise.all([approverOf(a).run(), approverOf(b).run()]);
    expect(ra.approved + rb.approved).toBe(sales.length);
    // Neither look sees more than every due document; fewer when the other's approvals were
    // projected away before it paged on to them (the shared read model is the same file).
    expect(ra.approved + ra.skipped).toBeLessThanOrEqual(sales.length);
    expect(rb.approved + rb.skipped).toBeLessThanOrEqual(sales.length);
    for (const { tx } of sales) expect(await approvals(a, program, tx.conversion.id)).toHaveLength(1);
  });
});
