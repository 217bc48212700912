import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectProblem, newProgram, type ProgramClient, startTestEngine, type TestEngine } from '@partner-ledger/testing';

/** `GET …/commission-series`: per UTC day, commission earned, approved and reversed, every day of the range. */
describe('commission over time', () => {
  let engine: TestEngine;
  let program: ProgramClient;
  let position = '0';
  const today = () => new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    engine = await startTestEngine();
    program = await newProgram(engine);
    const a = await program.sale('100.00');
    await program.sale('50.00');
    await program.approve(a.tx.conversion.id);
    position = (await program.post(`/transactions/${a.tx.key}/refund`, { amount: '40.00' })).body.position;
  });
  afterAll(() => engine.stop());

  const series = (query: string) => engine.call('GET', program.path(`/commission-series?${query}`), undefined, program.key);

  it("answers the last 30 days by default, every day present, today's flows summed", async () => {
    const res = await series(`minPosition=${position}`);
    expect(res.status).toBe(200);
    expect(res.body.currency).toBe('USD');
    expect(res.body.items).toHaveLength(30);
    expect(res.body.to).toBe(res.body.items[29].day);
    // The engine records in UTC: the last day is today unless the suite ran across midnight.
    const last = res.body.items.find((d: any) => d.earned.count > 0);
    expect([today(), res.body.to]).toContain(last.day);
    expect(last).toEqual({ day: last.day, earned: { count: 2, amount: '15.00' }, approved: { count: 1, amount: '10.00' }, reversed: { count: 1, amount: '4.00' } });
    const empty = res.body.items.filter((d: any) => d !== last);
    expect(empty.every((d: any) => d.earned.amount === '0.00' && d.approved.count === 0 && d.reversed.amount === '0.00')).toBe(true);
  });

  it('takes a range of days, and refuses a malformed or too long one', async () => {
    const res = await series('from=2026-01-30&to=2026-02-02');
    expect(res.status).toBe(200);
    expect(res.body.items.map((d: any) => d.day)).toEqual(['2026-01-30', '2026-01-31', '2026-02-01', '2026-02-02']);
    expectProblem(await series('from=2026-02-30'), 400, 'invalid_day', 'from');
    expectProblem(await series('to=yesterday'), 400, 'invalid_day', 'to');
    expectProblem(await series('from=2026-03-02&to=2026-03-01'), 400, 'invalid_range', 'from');
    expectProblem(await series('from=2024-01-01&to=2026-01-01'), 400, 'invalid_range', 'from');
    expectProblem(await series('currency=usd'), 400, 'invalid_currency', 'currency');
  });
});
