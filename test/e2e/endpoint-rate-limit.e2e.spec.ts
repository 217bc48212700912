import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createProgram, expectProblem, startTestEngine, type TestEngine, until, webhookReceiver, type WebhookReceiver } from '@partner-ledger/testing';

/**
 * An endpoint's `rateLimit` over HTTP: saved, shown, changed and removed; refused with a 400 naming
 * the field when it is not a positive number, nothing saved. (That the workers honour it, and the
 * 429/Retry-After pause and the circuit breaker: libs/webhook-runtime/src/delivery/endpoint-throttle.spec.ts.)
 */
describe('webhook endpoint rate limit', () => {
  let engine: TestEngine;
  let sink: WebhookReceiver;
  let call: (method: string, path: string, body?: unknown) => ReturnType<TestEngine['call']>;

  beforeAll(async () => {
    sink = await webhookReceiver();
    engine = await startTestEngine({ env: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8' } });
    const { id: pid, key } = await createProgram(engine);
    call = (method, path, body) => engine.call(method, `/v1/programs/${pid}${path}`, body, key);
  }, 60_000);
  afterAll(async () => {
    await engine?.stop();
    await sink?.close();
  });

  it('is saved and shown (null when absent); PATCH changes it and null removes it; deliveries still go', async () => {
    const created = await call('POST', '/webhook-endpoints', { url: sink.url('/limited'), topics: ['NEW_AFFILIATE'], rateLimit: 20 });
    expect(created.status).toBe(201);
    expect(created.body.rateLimit).toBe(20);
    expect((await call('GET', `/webhook-endpoints/${created.body.id}`)).body).toMatchObject({
      rateLimit: 20,
      throttle: { circuit: 'closed', consecutiveFailures: 0, nextProbeAt: null, pausedUntil: null },
    });
    const plain = await call('POST', '/webhook-endpoints', { url: sink.url('/plain'), topics: ['NEW_AFFILIATE'] });
    expect(plain.body.rateLimit).toBeNull();

    expect((await call('PATCH', `/webhook-endpoints/${created.body.id}`, { rateLimit: 0.5 })).body.rateLimit).toBe(0.5);
    expect((await call('PATCH', `/webhook-endpoints/${created.body.id}`, { rateLimit: null })).body.rateLimit).toBeNull();
    expect((await call('PATCH', `/webhook-endpoints/${created.body.id}`, { rateLimit: 5 })).body.rateLimit).toBe(5);

    expect((await call('POST', '/partners', { email: 'ada@example.com', name: 'Ada' })).status).toBe(201);
    await until('both endpoints got the partner', () => sink.got.filter((r) => r.path === '/limited').length === 1 && sink.got.filter((r) => r.path === '/plain').length === 1);
  });

  it('refuses a rate limit that is not a positive number with 400 naming `rateLimit`; nothing saved', async () => {
    const before = (await call('GET', '/webhook-endpoints')).body.items.length;
    for (const rateLimit of [0, -1, '20', 'fast', true, [20], { perSecond: 20 }, 10_001]) {
      expectProblem(await call('POST', '/webhook-endpoints', { url: sink.url('/x'), topics: ['ALL'], rateLimit }), 400, 'invalid_rate_limit', 'rateLimit');
    }
    expect((await call('GET', '/webhook-endpoints')).body.items.length).toBe(before);

    const id = (await call('POST', '/webhook-endpoints', { url: sink.url('/y'), topics: ['ALL'], rateLimit: 3 })).body.id;
    expectProblem(await call('PATCH', `/webhook-endpoints/${id}`, { rateLimit: 0, description: 'changed' }), 400, 'invalid_rate_limit', 'rateLimit');
    expect((await call('GET', `/webhook-endpoints/${id}`)).body).toMatchObject({ rateLimit: 3, description: null });
  });
});
