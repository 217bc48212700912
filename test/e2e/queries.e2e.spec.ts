import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createProgram, startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { expectProblem } from '@partner-ledger/testing';

/** The read side over real HTTP: projections kept live by the engine, queries with read-your-writes. */
describe('queries', () => {
  let engine: TestEngine;
  let pid: string;
  let key: string;
  let last = '0';
  const post = async (path: string, body?: unknown) => {
    const res = await engine.call('POST', `/v1/programs/${pid}${path}`, body, key);
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    last = res.body.position;
    return res.body;
  };
  const get = (path: string, k = key) => engine.call('GET', `/v1/programs/${pid}${path}`, undefined, k);
  /** GET that reads its own writes. */
  const read = async (path: string) => {
    const res = await get(path + (path.includes('?') ? '&' : '?') + `minPosition=${last}`);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  let a: any, b: any, c1: any, t1: any, t2: any;
  let beforeSales: string;

  beforeAll(async () => {
    engine = await startTestEngine();
    ({ id: pid, key } = await createProgram(engine, { tiers: [{ level: 2, amount: '5' }] }));
    a = await post('/partners', { email: 'a@example.com', name: 'Ann', key: 'ANN' });
    b = await post('/partners', { email: 'b@example.com', name: 'Bob', key: 'BOB', referringPartnerKey: 'ANN' });
    await post('/partners', { email: 'p@example.com', name: 'Pending', key: 'PEN', status: 'PENDING' });
    c1 = await post('/customers', { email: 'c1@example.com', name: 'C1', key: 'c1', partner: { key: 'BOB' } });
    await post('/customers', { email: 'c2@example.com', name: 'C2', key: 'c2', partner: { key: 'ANN' } });
    await new Promise((r) => setTimeout(r, 20));
    beforeSales = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    t1 = await post('/transactions', { customerKey: 'c1', amount: '100.00', key: 'T1' }); // Bob 10.00, Ann 5.00
    t2 = await post('/transactions', { customerKey: 'c1', amount: '50.00', key: 'T2' }); // Bob 5.00, Ann 2.50
    await post('/transactions', { customerKey: 'c2', amount: '20.00', key: 'T3' }); // Ann 2.00
    await post(`/conversions/${t1.conversion.id}/approve`);
    await post(`/conversions/${t2.conversion.id}/deny`, { reason: 'test order' });
    await post('/transactions/T1/refund', { amount: '25.00' }); // reverses Bob 2.50, Ann 1.25
  });
  afterAll(async () => engine.stop());

  it('lists partners newest first, filters by status, and pages without repeats', async () => {
    const all = await read('/partners');
    expect(all.items.map((p: any) => p.key)).toEqual(['PEN', 'BOB', 'ANN']);
    expect(all.nextCursor).toBeNull();
    expect((await read('/partners?status=PENDING')).items.map((p: any) => p.key)).toEqual(['PEN']);
    const first = await read('/partners?limit=2');
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await read(`/partners?limit=2&cursor=${first.nextCursor}`);
    expect([...first.items, ...second.items].map((p: any) => p.key)).toEqual(['PEN', 'BOB', 'ANN']);
    expect(second.nextCursor).toBeNull();
  });

  it('shows a partner with its counts and commission totals', async () => {
    const ann = await read(`/partners/${a.id}`);
    expect(ann).toMatchObject({ id: a.id, key: 'ANN', status: 'ACTIVE', referralCount: 1, customerCount: 1, conversionCount: 1 });
    expect(ann.commissionTotals).toEqual([
      {
        partnerId: a.id,
        currency: 'USD',
        pending: { count: 1, amount: '2.00' },
        approved: { count: 1, amount: '3.75' },
        denied: { count: 1, amount: '2.50' },
        reversed: { count: 1, amount: '1.25' },
        paid: { count: 0, amount: '0.00' },
        balance: '3.75',
      },
    ]);
    const bob = await read(`/partners/${b.id}/commissions`);
    expect(bob.items).toEqual([
      {
        partnerId: b.id,
        currency: 'USD',
        pending: { count: 0, amount: '0.00' },
        approved: { count: 1, amount: '7.50' },
        denied: { count: 1, amount: '5.00' },
        reversed: { count: 1, amount: '2.50' },
        paid: { count: 0, amount: '0.00' },
        balance: '7.50',
      },
    ]);
  });

  it('answers a partner as it was at a past time (asOf)', async () => {
    const past = await read(`/partners/${b.id}?asOf=${beforeSales}`);
    expect(past).toMatchObject({ id: b.id, conversionCount: 0, customerCount: 1, commissionTotals: [] });
    const now = await read(`/partners/${b.id}?asOf=${new Date().toISOString()}`);
    const live = await read(`/partners/${b.id}`);
    expect(now.commissionTotals).toEqual(live.commissionTotals);
    expect(now.conversionCount).toBe(live.conversionCount);
    const before = await get(`/partners/${b.id}?asOf=2000-01-01T00:00:00Z`);
    expectProblem(before, 404, 'partner_not_found');
  });

  it('shows a customer', async () => {
    expect(await read(`/customers/${c1.id}`)).toMatchObject({ id: c1.id, key: 'c1', partnerId: b.id });
    expectProblem(await get('/customers/nope'), 404, 'customer_not_found');
  });

  it('lists conversions with filters', async () => {
    const all = await read('/conversions');
    expect(all.items.map((c: any) => c.transactionKey)).toEqual(['T3', 'T2', 'T1']);
    const one = await read('/conversions?transactionKey=T1');
    expect(one.items).toEqual([
      expect.objectContaining({
        id: t1.conversion.id,
        status: 'APPROVED',
        amount: '100.00',
        refunded: '25.00',
        commissions: [
          { partnerId: b.id, level: 1, amount: '7.50', reversed: '2.50' },
          { partnerId: a.id, level: 2, amount: '3.75', reversed: '1.25' },
        ],
      }),
    ]);
    expect((await read('/conversions?status=DENIED')).items.map((c: any) => c.transactionKey)).toEqual(['T2']);
    expect((await read(`/conversions?partnerId=${a.id}`)).items.map((c: any) => c.transactionKey)).toEqual(['T3']);
    expect((await read(`/conversions?to=${beforeSales}`)).items).toEqual([]);
    expect((await read(`/conversions?from=${beforeSales}&limit=1`)).items).toHaveLength(1);
    expectProblem(await get('/conversions?status=NOPE'), 400, 'invalid_status', 'status');
    expectProblem(await get('/conversions?from=yesterday'), 400, 'invalid_time', 'from');
  });

  it('gives program totals and partners ordered by approved commission', async () => {
    const totals = await read('/commission-totals');
    expect(totals.program).toEqual({
      currency: 'USD',
      pending: { count: 1, amount: '2.00' },
      approved: { count: 2, amount: '11.25' },
      denied: { count: 2, amount: '7.50' },
      reversed: { count: 2, amount: '3.75' },
      paid: { count: 0, amount: '0.00' },
      balance: '11.25',
    });
    expect(totals.items.map((t: any) => t.partnerId)).toEqual([b.id, a.id]);
  });

  it('streams the program events as NDJSON with filters', async () => {
    const res = await engine.call('GET', `/v1/programs/${pid}/events?type=ConversionCreated,ConversionApproved`, undefined, key);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const lines = (res.body as string)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['ConversionCreated', 'ConversionCreated', 'ConversionCreated', 'ConversionApproved']);
    const from = await engine.call('GET', `/v1/programs/${pid}/events?fromPosition=${lines[1].position}&limit=2&type=ConversionCreated`, undefined, key);
    expect(
      (typeof from.body === 'string' ? from.body : JSON.stringify(from.body) + '\n')
        .trim()
        .split('\n')
        .map((l: string) => JSON.parse(l).position),
    ).toEqual([lines[1].position, lines[2].position]);
    const program = await engine.call('GET', `/v1/programs/${pid}/events?stream=program-${pid}`, undefined, key);
    const created = JSON.parse(String(typeof program.body === 'string' ? program.body : JSON.stringify(program.body)).trim());
    expect(created.type).toBe('ProgramCreated');
    expect(created.data.apiKeyHash).toBeUndefined();
    expectProblem(await get('/events?stream=partner-prg_other.'), 403, 'forbidden_stream');
    expectProblem(await get('/events?limit=0'), 400, 'invalid_limit', 'limit');
  });

  it('reads the events newest first with direction=backwards, from a position inclusive, across its pages', async () => {
    const positions = async (query: string) => {
      const res = await engine.call('GET', `/v1/programs/${pid}/events?${query}`, undefined, key);
      expect(res.status).toBe(200);
      return String(typeof res.body === 'string' ? res.body : JSON.stringify(res.body))
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => BigInt(JSON.parse(l).position));
    };
    const forwards = await positions('limit=10000');
    const backwards = await positions('direction=backwards&limit=10000');
    expect(backwards).toEqual([...forwards].reverse());
    // From a position, inclusive, downwards; the store's pages (500) do not show.
    const middle = forwards[Math.floor(forwards.length / 2)];
    expect(await positions(`direction=backwards&fromPosition=${middle}&limit=3`)).toEqual(backwards.filter((p) => p <= middle).slice(0, 3));
    expect(await positions('direction=backwards&fromPosition=1&limit=5')).toEqual(forwards.filter((p) => p <= 1n).reverse());
    expectProblem(await get('/events?direction=sideways'), 400, 'invalid_direction', 'direction');
  });

  it('refuses bad paging input and other programs', async () => {
    expectProblem(await get('/partners?limit=0'), 400, 'invalid_limit', 'limit');
    expectProblem(await get('/partners?limit=501'), 400, 'invalid_limit', 'limit');
    expectProblem(await get('/partners?cursor=garbage!'), 400, 'invalid_cursor', 'cursor');
    expectProblem(await get('/partners?status=NOPE'), 400, 'invalid_status', 'status');
    expectProblem(await get('/partners?minPosition=abc'), 400, 'invalid_position', 'minPosition');
    const other = await createProgram(engine);
    expectProblem(await get('/partners', other.key), 403, 'forbidden_program');
    expectProblem(await get('/partners', 'nope'), 401, 'invalid_api_key');
  });

  it('reports projection lag to the admin', async () => {
    await read('/partners');
    const res = await engine.call('GET', '/v1/projections');
    expect(res.status).toBe(200);
    expect(res.body.items.map((l: any) => l.projection).sort()).toEqual(['approval-due', 'commission-daily', 'conversions', 'partners', 'payouts']);
    for (const lag of res.body.items) expect(lag.eventsBehind).toBe(0);
    expectProblem(await engine.call('GET', '/v1/projections', undefined, key), 403, 'admin_key_required');
    const metrics = await fetch(`${engine.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/projection_lag_events\{projection="partners"\} 0/);
    // The commands above went through the event store's group commit.
    const sum = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(sum('event_store_group_commits_total')).toBeGreaterThan(0);
    expect(sum('event_store_group_commit_appends_total')).toBeGreaterThanOrEqual(sum('event_store_group_commits_total'));
    expect(sum('event_store_group_commit_seconds_total')).toBeGreaterThan(0);
  });

  it('a query asking for a position the projections have not reached answers 503 after its bounded wait', async () => {
    const res = await get(`/partners?minPosition=${BigInt(last) + 1000n}`);
    expectProblem(res, 503, 'read_model_behind');
  }, 15_000);
});
