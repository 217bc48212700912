import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createProgram, startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { expectProblem } from '@partner-ledger/testing';

/** Endpoint configuration over real HTTP. Every URL here is refused or loopback: nothing leaves the machine. */
describe('webhook endpoints', () => {
  let engine: TestEngine;
  let pid: string;
  let key: string;
  const call = (method: string, path: string, body?: unknown, k: string | null = key) => engine.call(method, `/v1/programs/${pid}/webhook-endpoints${path}`, body, k);

  beforeAll(async () => {
    engine = await startTestEngine({ env: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8' } });
    ({ id: pid, key } = await createProgram(engine));
  });
  afterAll(async () => engine.stop());

  it('creates an endpoint and shows its whsec_ secret once', async () => {
    const res = await call('POST', '', { url: 'http://127.0.0.1:9/hook', topics: ['NEW_CONVERSION', 'NEW_AFFILIATE'], description: 'crm' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^whe_/),
      url: 'http://127.0.0.1:9/hook',
      topics: ['NEW_CONVERSION', 'NEW_AFFILIATE'],
      enabled: true,
      description: 'crm',
      secret: expect.stringMatching(/^whsec_/),
    });
    const got = await call('GET', `/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body.secret).toBeUndefined();
    expect(got.body).toMatchObject({ id: res.body.id, topics: ['NEW_CONVERSION', 'NEW_AFFILIATE'] });
  });

  it('lists with pagination, updates, rotates the secret, deletes', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await call('POST', '', { url: `http://127.0.0.1:9/h${i}`, topics: ['ALL'] })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await call('GET', `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((e: any) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining(ids));
    expect(new Set(seen).size).toBe(seen.length);

    const patched = await call('PATCH', `/${ids[0]}`, { topics: ['APPROVED_CONVERSION', 'NEW_CONVERSION'], enabled: false });
    expect(patched.body).toMatchObject({ topics: ['NEW_CONVERSION', 'APPROVED_CONVERSION'], enabled: false, disabledReason: 'disabled by request' });
    expect((await call('PATCH', `/${ids[0]}`, { enabled: true })).body).toMatchObject({ enabled: true, disabledReason: null });

    const rotated = await call('POST', `/${ids[0]}/rotate-secret`, { overlapSeconds: 3600 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(Date.parse(rotated.body.previousSecretsExpireAt) - Date.now()).toBeGreaterThan(3500_000);

    expect((await call('DELETE', `/${ids[1]}`)).status).toBe(204);
    expectProblem(await call('GET', `/${ids[1]}`), 404, 'webhook_endpoint_not_found');
    expectProblem(await call('DELETE', `/${ids[1]}`), 404, 'webhook_endpoint_not_found');
  });

  it('refuses bad topics, bad URLs and private addresses outside WEBHOOK_ALLOWED_CIDRS', async () => {
    expectProblem(await call('POST', '', { url: 'http://127.0.0.1:9/x', topics: [] }), 400, 'invalid_topics', 'topics');
    expectProblem(await call('POST', '', { url: 'http://127.0.0.1:9/x', topics: ['NOPE'] }), 400, 'unknown_topic', 'topics.0');
    expectProblem(await call('POST', '', { url: 'ftp://127.0.0.1/x', topics: ['ALL'] }), 400, 'url_scheme_not_allowed', 'url');
    expectProblem(await call('POST', '', { url: 'not a url', topics: ['ALL'] }), 400, 'invalid_url', 'url');
    for (const url of ['http://169.254.169.254/latest', 'http://10.0.0.1/x', 'http://[::1]/x', 'http://192.168.1.10/x']) {
      expectProblem(await call('POST', '', { url, topics: ['ALL'] }), 400, 'ssrf_blocked', 'url');
    }
    expectProblem(await call('POST', '', { url: 'http://127.0.0.1/x', topics: ['ALL'], extra: 1 }), 400, 'validation_failed', 'extra');
  });

  it('keeps programs apart', async () => {
    const mine = (await call('POST', '', { url: 'http://127.0.0.1:9/mine', topics: ['ALL'] })).body.id;
    const other = await createProgram(engine);
    expectProblem(await engine.call('GET', `/v1/programs/${other.id}/webhook-endpoints/${mine}`, undefined, other.key), 404, 'webhook_endpoint_not_found');
    expectProblem(await call('GET', `/${mine}`, undefined, other.key), 403, 'forbidden_program');
    expectProblem(await call('GET', '', undefined, null), 401, 'missing_api_key');
  });
});

describe('webhook endpoints without WEBHOOK_ALLOWED_CIDRS', () => {
  it('refuses loopback by default', async () => {
    const engine = await startTestEngine();
    try {
      const { id, key } = await createProgram(engine);
      for (const url of ['http://127.0.0.1/x', 'http://localhost:8080/x']) {
        expectProblem(await engine.call('POST', `/v1/programs/${id}/webhook-endpoints`, { url, topics: ['ALL'] }, key), 400, 'ssrf_blocked', 'url');
      }
    } finally {
      await engine.stop();
    }
  });
});
