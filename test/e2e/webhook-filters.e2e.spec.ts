import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createProgram,
  expectProblem,
  type ReceivedWebhook,
  startTestEngine,
  type TestEngine,
  topicSchemaProblems,
  until,
  webhookReceiver,
  type WebhookReceiver,
} from '@partner-ledger/testing';

/**
 * Endpoint filters over real HTTP, on the embedded (SQLite) bus: the publisher queues a body for an
 * endpoint only when its filter matches, so a skipped one is never sent, retried or logged.
 */
describe('webhook endpoint filters', () => {
  let engine: TestEngine;
  let sink: WebhookReceiver;
  let pid: string;
  let key: string;
  const ids: Record<string, string> = {};
  const call = (method: string, path: string, body?: unknown) => engine.call(method, `/v1/programs/${pid}${path}`, body, key);
  const post = async (path: string, body?: unknown) => {
    const res = await call('POST', path, body);
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const at = (path: string) => sink.got.filter((r) => r.path === path);
  const orders = (got: ReceivedWebhook[]) => got.map((r) => `${String(r.headers['refersion-topic'])} ${JSON.parse(r.body).order_id}`).sort();

  beforeAll(async () => {
    sink = await webhookReceiver();
    engine = await startTestEngine({ env: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8', WEBHOOK_RETRY_SCHEDULE: '100ms,200ms' } });
    ({ id: pid, key } = await createProgram(engine));
    // The example, on strings; a numeric threshold on an amount; and no filter, to know when all is through.
    ids.orders = (
      await post('/webhook-endpoints', { url: sink.url('/orders'), topics: ['NEW_CONVERSION', 'APPROVED_CONVERSION'], filter: { currency: 'USD', order_id: { $in: ['A-1', 'A-2'] } } })
    ).id;
    ids.big = (await post('/webhook-endpoints', { url: sink.url('/big'), topics: ['NEW_CONVERSION'], filter: { $expr: { $gte: [{ $toDecimal: '$total' }, 100] } } })).id;
    ids.all = (await post('/webhook-endpoints', { url: sink.url('/all'), topics: ['NEW_CONVERSION', 'APPROVED_CONVERSION'] })).id;
    const partner = await post('/partners', { email: 'ada@example.com', name: 'Ada Lovelace', key: 'ADA' });
    await post('/customers', { email: 'jane@example.com', name: 'Jane Doe', key: 'jane', partner: { id: partner.id } });
    await post('/transactions', { customerKey: 'jane', amount: '50.00', key: 'A-1' });
    await post('/transactions', { customerKey: 'jane', amount: '150.00', key: 'A-2' });
    const a3 = await post('/transactions', { customerKey: 'jane', amount: '1000.00', key: 'A-3' });
    await post(`/conversions/${a3.conversion.id}/approve`);
    // The unfiltered endpoint got every message of the last event: those of the others were queued with them.
    await until('every webhook to /all', () => at('/all').length === 4);
    await until('the filtered ones', () => at('/orders').length >= 2 && at('/big').length >= 2);
  }, 60_000);
  afterAll(async () => {
    await engine.stop();
    await sink.close();
  });

  it('sends an endpoint only the bodies its filter matches: strings compared as written, amounts as numbers through $toDecimal', async () => {
    // Anything else queued would have arrived by now.
    await new Promise((r) => setTimeout(r, 500));
    expect(orders(at('/all'))).toEqual(['APPROVED_CONVERSION A-3', 'NEW_CONVERSION A-1', 'NEW_CONVERSION A-2', 'NEW_CONVERSION A-3']);
    expect(orders(at('/orders'))).toEqual(['NEW_CONVERSION A-1', 'NEW_CONVERSION A-2']);
    // "1000.00" as text sorts below "150.00"; as a number it is above 100.
    expect(orders(at('/big'))).toEqual(['NEW_CONVERSION A-2', 'NEW_CONVERSION A-3']);
    expect(topicSchemaProblems(sink.got)).toEqual([]);
  });

  it('skipped bodies are neither sent nor logged: the deliveries log holds only what was sent', async () => {
    const log = (await call('GET', `/webhook-endpoints/${ids.orders}/deliveries`)).body.items;
    expect(log).toHaveLength(2);
    expect(log.every((d: { status: string }) => d.status === 'delivered')).toBe(true);
    expect((await call('GET', `/webhook-endpoints/${ids.all}/deliveries`)).body.items).toHaveLength(4);
  });

  it('a replay honours the filter too: only the matching bodies are queued again, with their webhook-ids', async () => {
    const job = await post(`/webhook-endpoints/${ids.orders}/replay`, {});
    const done = await until('the replay job', async () => {
      const j = (await call('GET', `/replay-jobs/${job.id}`)).body;
      return j.status === 'succeeded' && j;
    });
    expect(done.progress.messagesQueued).toBe(2);
    await until('the replayed webhooks', () => at('/orders').length === 4);
    const live = at('/orders').slice(0, 2);
    const replayed = at('/orders').slice(2);
    expect(orders(replayed)).toEqual(['NEW_CONVERSION A-1', 'NEW_CONVERSION A-2']);
    expect(new Set(replayed.map((r) => r.headers['webhook-id']))).toEqual(new Set(live.map((r) => r.headers['webhook-id'])));
  });

  it('shows the filter on the endpoint; PATCH changes it, null removes it', async () => {
    expect((await call('GET', `/webhook-endpoints/${ids.orders}`)).body.filter).toEqual({ currency: 'USD', order_id: { $in: ['A-1', 'A-2'] } });
    expect((await call('GET', `/webhook-endpoints/${ids.all}`)).body.filter).toBeNull();
    const changed = await call('PATCH', `/webhook-endpoints/${ids.all}`, { filter: { 'affiliate.code': 'ADA' } });
    expect(changed.status).toBe(200);
    expect(changed.body.filter).toEqual({ 'affiliate.code': 'ADA' });
    expect((await call('PATCH', `/webhook-endpoints/${ids.all}`, { filter: null })).body.filter).toBeNull();
  });

  it('refuses a filter that is not a query object, or has an unknown operator or code, with 400 naming `filter`; nothing saved', async () => {
    const before = (await call('GET', '/webhook-endpoints')).body.items.length;
    for (const filter of ['EUR', 7, [{ currency: 'EUR' }], { total: { $bogus: 1 } }, { $foo: 1 }, { $where: 'true' }]) {
      expectProblem(await call('POST', '/webhook-endpoints', { url: sink.url('/x'), topics: ['ALL'], filter }), 400, 'invalid_filter', 'filter');
    }
    expect((await call('GET', '/webhook-endpoints')).body.items.length).toBe(before);
    expectProblem(await call('PATCH', `/webhook-endpoints/${ids.orders}`, { filter: { order_id: { $in: 'A-1' } }, description: 'changed' }), 400, 'invalid_filter', 'filter');
    const kept = (await call('GET', `/webhook-endpoints/${ids.orders}`)).body;
    expect(kept).toMatchObject({ filter: { currency: 'USD', order_id: { $in: ['A-1', 'A-2'] } }, description: null });
  });

  it("tries a filter on the program's latest payloads, newest first, saying which it would send", async () => {
    const res = await call('POST', '/webhook-endpoints/filter-test', { filter: { order_id: { $in: ['A-1', 'A-3'] } }, topic: 'NEW_CONVERSION', limit: 2 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tried: 2, matched: 1 });
    expect(res.body.items.map((i: { topic: string; matches: boolean; body: { order_id: string } }) => [i.topic, i.body.order_id, i.matches])).toEqual([
      ['NEW_CONVERSION', 'A-3', true],
      ['NEW_CONVERSION', 'A-2', false],
    ]);
    // Every topic by default: the approval is the newest, the partner the oldest.
    const all = (await call('POST', '/webhook-endpoints/filter-test', { filter: null, limit: 100 })).body;
    expect(all.items.map((i: { topic: string }) => i.topic)).toEqual(['APPROVED_CONVERSION', 'NEW_CONVERSION', 'NEW_CONVERSION', 'NEW_CONVERSION', 'NEW_AFFILIATE']);
    expect(all.matched).toBe(5);
  });

  it("on an endpoint, tries its own filter on its topics' latest payloads, or another filter sent", async () => {
    const own = (await call('POST', `/webhook-endpoints/${ids.big}/filter-test`, {})).body;
    expect(own.filter).toEqual({ $expr: { $gte: [{ $toDecimal: '$total' }, 100] } });
    expect(own.items.map((i: { body: { order_id: string }; matches: boolean }) => [i.body.order_id, i.matches])).toEqual([
      ['A-3', true],
      ['A-2', true],
      ['A-1', false],
    ]);
    const other = (await call('POST', `/webhook-endpoints/${ids.big}/filter-test`, { filter: { total: '50.00' } })).body;
    expect(other).toMatchObject({ tried: 3, matched: 1 });
  });

  it('refuses a bad filter, a missing one on the program route, an unknown topic or one the endpoint does not get, and a bad limit', async () => {
    expectProblem(await call('POST', '/webhook-endpoints/filter-test', { filter: { $nope: 1 } }), 400, 'invalid_filter', 'filter');
    expectProblem(await call('POST', '/webhook-endpoints/filter-test', {}), 400, 'invalid_filter', 'filter');
    expectProblem(await call('POST', '/webhook-endpoints/filter-test', { filter: null, topic: 'NOPE' }), 400, 'unknown_topic', 'topic');
    expectProblem(await call('POST', `/webhook-endpoints/${ids.big}/filter-test`, { topic: 'NEW_AFFILIATE' }), 400, 'unknown_topic', 'topic');
    expect((await call('POST', '/webhook-endpoints/filter-test', { filter: null, limit: 101 })).status).toBe(400);
  });
});
