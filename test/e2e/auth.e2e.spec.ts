import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_KEY, startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { email, expectProblem, expectRefused, expectStatus, newProgram, type ProgramClient, uniq, UNKNOWN_PID } from '@partner-ledger/testing';

/** Bearer keys on every command route: 401, 403, and 404 only for callers allowed to see. */
describe('auth over HTTP', () => {
  let engine: TestEngine;
  let a: ProgramClient;
  let b: ProgramClient;
  let partner: any;
  let customer: any;
  let tx: any;
  beforeAll(async () => {
    engine = await startTestEngine();
    a = await newProgram(engine);
    b = await newProgram(engine);
    ({ partner, customer, tx } = await a.sale('10'));
  });
  afterAll(async () => engine.stop());

  /** Every program route, with a body that would be accepted. */
  const routes = (pid: string): [string, string, unknown][] => [
    ['POST', `/v1/programs/${pid}/partners`, { email: email('auth'), name: 'x' }],
    ['PATCH', `/v1/programs/${pid}/partners/${partner.id}`, { name: 'Renamed' }],
    ['POST', `/v1/programs/${pid}/partners/${partner.id}/status`, { status: 'DISABLED' }],
    ['POST', `/v1/programs/${pid}/customers`, { email: email('auth'), name: 'x' }],
    ['POST', `/v1/programs/${pid}/transactions`, { customerKey: customer.key, amount: '1' }],
    ['POST', `/v1/programs/${pid}/conversions/${tx.conversion.id}/approve`, undefined],
    ['POST', `/v1/programs/${pid}/conversions/${tx.conversion.id}/deny`, {}],
    ['POST', `/v1/programs/${pid}/transactions/${tx.key}/refund`, {}],
    ['POST', `/v1/programs/${pid}/conversion-triggers`, { partnerId: partner.id, type: 'COUPON', trigger: uniq('AUTH') }],
  ];
  const allRoutes = (pid: string): [string, string, unknown][] => [
    ['POST', '/v1/programs', { name: 'x', currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' } }],
    ...routes(pid),
  ];

  it('no Authorization header → 401 missing_api_key on every route, nothing appended', async () => {
    for (const [method, path, body] of allRoutes(a.id)) {
      await expectRefused(engine, () => engine.call(method, path, body, null), 401, 'missing_api_key');
    }
  });

  it('a wrong key → 401 invalid_api_key on every route, nothing appended', async () => {
    for (const [method, path, body] of allRoutes(a.id)) {
      await expectRefused(engine, () => engine.call(method, path, body, 'not-a-key-0123456789'), 401, 'invalid_api_key');
    }
  });

  it('a forged program key (right shape, wrong secret) → 401 invalid_api_key', async () => {
    const forged = a.key.slice(0, -4) + (a.key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const [method, path, body] of routes(a.id)) {
      await expectRefused(engine, () => engine.call(method, path, body, forged), 401, 'invalid_api_key');
    }
  });

  it('a key of the right shape for a program that does not exist → 401 invalid_api_key', async () => {
    const ghost = `plk_${UNKNOWN_PID}_${'A'.repeat(32)}`;
    await expectRefused(engine, () => engine.call('POST', `/v1/programs/${UNKNOWN_PID}/partners`, { email: email(), name: 'x' }, ghost), 401, 'invalid_api_key');
  });

  it('other schemes than Bearer → 401 missing_api_key', async () => {
    for (const authorization of [`Basic ${Buffer.from(`x:${ADMIN_KEY}`).toString('base64')}`, ADMIN_KEY, 'Bearer', `Bearer ${ADMIN_KEY} extra`]) {
      await expectRefused(engine, () => engine.call('POST', a.path('/partners'), { email: email(), name: 'x' }, null, { authorization }), 401, 'missing_api_key');
    }
  });

  it('the scheme is case-insensitive', async () => {
    const res = await engine.call('POST', a.path('/partners'), { email: email(), name: 'x' }, null, { authorization: `bearer ${a.key}` });
    expectStatus(res, 201);
  });

  it("another program's key → 403 forbidden_program on every program route, nothing appended", async () => {
    for (const [method, path, body] of routes(a.id)) {
      await expectRefused(engine, () => engine.call(method, path, body, b.key), 403, 'forbidden_program');
    }
  });

  it('a program key on an unknown program → 403 forbidden_program (existence is not revealed)', async () => {
    for (const [method, path, body] of routes(UNKNOWN_PID)) {
      await expectRefused(engine, () => engine.call(method, path, body, a.key), 403, 'forbidden_program');
    }
  });

  it('a program key on POST /programs → 403 admin_key_required', async () => {
    const [method, path, body] = allRoutes(a.id)[0];
    await expectRefused(engine, () => engine.call(method, path, body, a.key), 403, 'admin_key_required');
  });

  it('the admin key on an unknown program → 404 program_not_found on every program route, nothing appended', async () => {
    for (const [method, path, body] of routes(UNKNOWN_PID)) {
      await expectRefused(engine, () => engine.call(method, path, body, ADMIN_KEY), 404, 'program_not_found');
    }
  });

  it('no key on an unknown program → 401, not 404', async () => {
    for (const [method, path, body] of routes(UNKNOWN_PID)) {
      await expectRefused(engine, () => engine.call(method, path, body, null), 401, 'missing_api_key');
    }
  });

  it('the admin key and the program key both reach the program', async () => {
    for (const key of [ADMIN_KEY, a.key]) {
      const res = await engine.call('POST', a.path('/partners'), { email: email(), name: 'x' }, key);
      expectStatus(res, 201);
    }
  });

  it('401 problems carry the problem+json shape', async () => {
    const res = await engine.call('POST', a.path('/partners'), { email: email(), name: 'x' }, null);
    expectProblem(res, 401, 'missing_api_key');
    expect(res.body.instance).toBe(a.path('/partners'));
    expect(res.body.title).toBe('Unauthorized');
  });
});
