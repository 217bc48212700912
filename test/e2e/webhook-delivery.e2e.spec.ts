import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { type ReceivedWebhook, sampleFor, shapeProblems, topicSchemaProblems, until, webhookReceiver as receiver } from '@partner-ledger/testing';
import { EVENT_TOPIC_LIST, type EventTopic } from '@partner-ledger/webhooks';
import { createProgram, startTestEngine, type TestEngine } from '@partner-ledger/testing';

/**
 * Every topic end to end: the command, the publisher, the bus (SQLite queue), a delivery worker,
 * and a POST to a real local receiver, verified with the standardwebhooks package and by
 * recomputing Refersion-Signature, and checked against the Refersion sample for that topic (libs/webhooks/src/fixtures).
 */
describe('outgoing webhooks, one per topic', () => {
  let engine: TestEngine;
  let sink: Awaited<ReturnType<typeof receiver>>;
  let pid: string;
  let key: string;
  let secret: string;
  const post = async (path: string, body?: unknown, method = 'POST') => {
    const res = await engine.call(method, `/v1/programs/${pid}${path}`, body, key);
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  beforeAll(async () => {
    sink = await receiver();
    engine = await startTestEngine({ env: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8', WEBHOOK_RETRY_SCHEDULE: '100ms,200ms' } });
    ({ id: pid, key } = await createProgram(engine, { name: 'Tiered Offer' }));
    const endpoint = await post('/webhook-endpoints', { url: sink.url('/all'), topics: ['ALL'] });
    secret = endpoint.secret;
    const ada = await post('/partners', {
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      key: 'ADA',
      details: { city: 'London', customFields: [{ name: 'INSTAGRAM HANDLE', value: 'ada' }] },
    });
    await post(`/partners/${ada.id}`, { details: { company: 'Analytical Engines' } }, 'PATCH');
    await post(`/partners/${ada.id}/status`, { status: 'DISABLED' });
    await post(`/partners/${ada.id}/status`, { status: 'ACTIVE' });
    await post('/conversion-triggers', { partnerId: ada.id, type: 'COUPON', trigger: 'ada10' });
    await post('/customers', { email: 'jane@example.com', name: 'Jane Doe', key: 'jane', partner: { key: 'ADA' } });
    const t1 = await post('/transactions', { customerKey: 'jane', amount: '130.55', key: '1022', couponCode: 'ADA10' });
    const t2 = await post('/transactions', { customerKey: 'jane', amount: '10.00', key: '1023' });
    await post(`/conversions/${t1.conversion.id}/approve`);
    await post(`/conversions/${t2.conversion.id}/deny`, { reason: 'fraud' });
    // The payout topics: a batch cancelled, then one confirmed.
    const cancelled = await post('/payouts', {});
    await post(`/payouts/${cancelled.id}/cancel`);
    const paid = await post('/payouts', {});
    await post(`/payouts/${paid.id}/confirm`, { reference: 'PAYPAL-BATCH-1' });
    await until('every topic', () => EVENT_TOPIC_LIST.every((t) => sink.got.some((r) => r.headers['refersion-topic'] === t)));
  }, 60_000);
  afterAll(async () => {
    await engine.stop();
    await sink.close();
  });

  it.each([...EVENT_TOPIC_LIST])('%s: signed both ways, shaped like its Refersion sample, every body valid against its catalogue schema', (topic: EventTopic) => {
    const request = sink.got.find((r) => r.headers['refersion-topic'] === topic)!;
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
    expect(() => new Webhook(secret).verify(request.body, headers)).not.toThrow();
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    expect(request.headers['refersion-signature']).toBe(createHmac('sha256', key).update(request.body).digest('base64'));
    expect(request.headers['webhook-id']).toMatch(/^msg_/);
    expect(shapeProblems(topic, sampleFor(topic), JSON.parse(request.body))).toEqual([]);
    expect(topicSchemaProblems(sink.got, topic)).toEqual([]);
  });

  it('carries the data as of each event: the commission and the affiliate', () => {
    const created = JSON.parse(sink.got.find((r) => r.headers['refersion-topic'] === 'NEW_CONVERSION')!.body);
    expect(created).toMatchObject({
      total: '130.55',
      commission_total: '13.06',
      currency: 'USD',
      order_id: '1022',
      status: 'PENDING',
      coupon_code: 'ADA10',
      affiliate: { code: 'ADA', first_name: 'Ada', last_name: 'Lovelace' },
    });
    const statuses = sink.got.filter((r) => r.headers['refersion-topic'] === 'AFFILIATE_STATUS_CHANGE').map((r) => JSON.parse(r.body).status);
    expect(statuses).toEqual(['DISABLED', 'ACTIVE']);
  });

  it('carries each payout with its status, total and affiliate; PAYOUT_PAID with its reference', () => {
    const bodies = (topic: EventTopic) => sink.got.filter((r) => r.headers['refersion-topic'] === topic).map((r) => JSON.parse(r.body));
    const item = { code: 'ADA', email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', amount: '13.06', conversion_ids: [expect.stringMatching(/^cv_/)] };
    expect(bodies('PAYOUT_CREATED')).toEqual([
      expect.objectContaining({ status: 'DRAFT', total: '13.06', currency: 'USD', items: [expect.objectContaining(item)] }),
      expect.objectContaining({ status: 'DRAFT', total: '13.06' }),
    ]);
    expect(bodies('PAYOUT_CANCELLED')).toEqual([expect.objectContaining({ status: 'CANCELLED', reference: null, updated: expect.any(String) })]);
    expect(bodies('PAYOUT_PAID')).toEqual([expect.objectContaining({ status: 'PAID', reference: 'PAYPAL-BATCH-1', items: [expect.objectContaining(item)] })]);
    expect(bodies('PAYOUT_PAID')[0].id).toBe(bodies('PAYOUT_CREATED')[1].id);
  });

  it('a wrong secret does not verify', () => {
    const request = sink.got[0];
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
    expect(() => new Webhook('whsec_' + Buffer.alloc(24, 7).toString('base64')).verify(request.body, headers)).toThrow();
  });
});

describe('outgoing webhooks: failures', () => {
  it('retries on 5xx and 429 with the same webhook-id until delivered; 410 disables the endpoint', async () => {
    const flaky = await receiver((_r, n) => (n === 1 ? 500 : n === 2 ? 429 : 200));
    const gone = await receiver(() => 410);
    const engine = await startTestEngine({ env: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8', WEBHOOK_RETRY_SCHEDULE: '50ms,100ms,150ms' } });
    try {
      const { id: pid, key } = await createProgram(engine);
      const call = (method: string, path: string, body?: unknown) => engine.call(method, `/v1/programs/${pid}${path}`, body, key);
      const flakyEndpoint = (await call('POST', '/webhook-endpoints', { url: flaky.url('/f'), topics: ['NEW_AFFILIATE'] })).body;
      const goneEndpoint = (await call('POST', '/webhook-endpoints', { url: gone.url('/g'), topics: ['NEW_AFFILIATE'] })).body;
      expect((await call('POST', '/partners', { email: 'x@example.com', name: 'X' })).status).toBe(201);
      await until('three attempts', () => flaky.got.length >= 3);
      expect(new Set(flaky.got.map((r) => r.headers['webhook-id'])).size).toBe(1);
      expect(new Set(flaky.got.map((r) => r.body)).size).toBe(1);
      await until('410 seen', () => gone.got.length >= 1);
      let disabled: any;
      for (let i = 0; i < 100 && disabled?.enabled !== false; i++) {
        disabled = (await call('GET', `/webhook-endpoints/${goneEndpoint.id}`)).body;
        if (disabled.enabled !== false) await new Promise((r) => setTimeout(r, 20));
      }
      expect(disabled).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('410') });
      await new Promise((r) => setTimeout(r, 400));
      expect(gone.got).toHaveLength(1);
      expect((await call('GET', `/webhook-endpoints/${flakyEndpoint.id}`)).body.enabled).toBe(true);
    } finally {
      await engine.stop();
      await flaky.close();
      await gone.close();
    }
  }, 30_000);
});

describe('outgoing webhooks: deliveries, resend, replay, test', () => {
  it('logs every attempt, resends and replays with stable webhook-ids, and sends a signed test', async () => {
    const sink = await receiver((_r, n) => (n === 1 ? 503 : 200));
    const engine = await startTestEngine({ env: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8', WEBHOOK_RETRY_SCHEDULE: '50ms,100ms' } });
    try {
      const { id: pid, key } = await createProgram(engine);
      const call = (method: string, path: string, body?: unknown) => engine.call(method, `/v1/programs/${pid}${path}`, body, key);
      const endpoint = (await call('POST', '/webhook-endpoints', { url: sink.url('/h'), topics: ['NEW_AFFILIATE'] })).body;
      const start = new Date().toISOString();
      for (const n of [1, 2, 3]) expect((await call('POST', '/partners', { email: `p${n}@example.com`, name: `P ${n}` })).status).toBe(201);
      await until('three delivered', () => new Set(sink.got.map((r) => r.headers['webhook-id'])).size === 3 && sink.got.length >= 4);

      let list: any;
      for (let i = 0; i < 100; i++) {
        list = (await call('GET', `/webhook-endpoints/${endpoint.id}/deliveries`)).body;
        if (list.items.length === 3 && list.items.every((d: any) => d.status === 'delivered')) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(list.items).toHaveLength(3);
      const retried = list.items.find((d: any) => d.attempts.length === 2);
      expect(retried.attempts.map((a: any) => a.status)).toEqual([503, 200]);
      expect(retried.attempts[0]).toMatchObject({ response: 'nope', latencyMs: expect.any(Number) });
      const page = (await call('GET', `/webhook-endpoints/${endpoint.id}/deliveries?limit=2`)).body;
      expect(page.items).toHaveLength(2);
      expect((await call('GET', `/webhook-endpoints/${endpoint.id}/deliveries?limit=2&cursor=${page.nextCursor}`)).body.items).toHaveLength(1);

      const before = sink.got.length;
      expect((await call('POST', `/deliveries/${retried.id}/resend`)).status).toBe(202);
      await until('resent', () => sink.got.length === before + 1);
      expect(sink.got.at(-1)!.headers['webhook-id']).toBe(retried.webhookId);

      // Replay is a background job: 202 with the job, then it runs to the end (replay-jobs.e2e.spec.ts has the rest).
      const finished = (path: string) =>
        until('replay job succeeded', async () => {
          const job = (await call('GET', path)).body;
          return job.status === 'succeeded' && job;
        });
      const replay = await call('POST', `/webhook-endpoints/${endpoint.id}/replay`, { from: start });
      expect(replay).toMatchObject({ status: 202, body: { status: 'queued', endpointId: endpoint.id, from: start } });
      const jobPath = replay.headers.get('location')!.replace(`/v1/programs/${pid}`, '');
      expect((await finished(jobPath)).progress.messagesQueued).toBe(3);
      await until('replayed', () => sink.got.length === before + 4);
      const firstIds = new Set(list.items.map((d: any) => d.webhookId));
      for (const r of sink.got.slice(before + 1)) expect(firstIds.has(r.headers['webhook-id'] as string)).toBe(true);
      const none = await call('POST', `/webhook-endpoints/${endpoint.id}/replay`, { to: start });
      expect((await finished(none.headers.get('location')!.replace(`/v1/programs/${pid}`, ''))).progress.messagesQueued).toBe(0);

      expect((await call('POST', `/webhook-endpoints/${endpoint.id}/test`)).status).toBe(202);
      await until('test delivery', () => sink.got.some((r) => JSON.parse(r.body).test === true));
      expectTestSigned(
        sink.got.find((r) => JSON.parse(r.body).test === true)!,
        endpoint.secret,
      );
      expect((await call('POST', '/deliveries/nope/resend')).status).toBe(404);
    } finally {
      await engine.stop();
      await sink.close();
    }
  }, 30_000);
});

function expectTestSigned(request: ReceivedWebhook, secret: string) {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
  expect(() => new Webhook(secret).verify(request.body, headers)).not.toThrow();
}
