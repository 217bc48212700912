import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createProgram, startTestEngine, type TestEngine, until, webhookReceiver, type WebhookReceiver } from '@partner-ledger/testing';

/**
 * Searching an endpoint's deliveries log and resending what a search finds, over real HTTP, with
 * the SQLite bus and a loopback receiver that fails the deliveries about some partners (two
 * attempts each, then dead) until it is told to recover.
 */
describe('deliveries: search and bulk resend', () => {
  let engine: TestEngine;
  let sink: WebhookReceiver;
  let failing = true;
  let call: (method: string, path: string, body?: unknown) => ReturnType<TestEngine['call']>;
  let endpointId: string;
  const partners: Record<string, string> = {};
  let start: string;
  let middle: string;
  const deliveries = async (query = '') => {
    const res = await call('GET', `/webhook-endpoints/${endpointId}/deliveries${query}`);
    if (res.status !== 200) throw new Error(`${query}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { items: any[]; nextCursor: string | null };
  };
  const ids = (page: { items: { id: string }[] }) => page.items.map((d) => d.id);
  /** Every page of a search, `limit` at a time, following nextCursor. */
  const allPages = async (query: string, limit: number) => {
    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const page = await deliveries(`?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(limit);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return seen;
  };

  beforeAll(async () => {
    sink = await webhookReceiver((r) => (failing && JSON.parse(r.body).email?.startsWith('fail') ? 500 : 200));
    engine = await startTestEngine({ env: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8', WEBHOOK_RETRY_SCHEDULE: '50ms' } });
    const { id: pid, key } = await createProgram(engine);
    call = (method, path, body) => engine.call(method, `/v1/programs/${pid}${path}`, body, key);
    endpointId = (await call('POST', '/webhook-endpoints', { url: sink.url('/h'), topics: ['NEW_AFFILIATE', 'AFFILIATE_DETAILS_CHANGE'] })).body.id;
    start = new Date().toISOString();
    const create = async (name: string) => {
      const res = await call('POST', '/partners', { email: `${name}@example.com`, name });
      expect(res.status).toBe(201);
      partners[name] = res.body.id;
    };
    await create('ok1');
    await create('fail1');
    // Wait so that the first two deliveries are first attempted before `middle`, the rest after.
    await until('first two logged', async () => (await deliveries()).items.length === 2);
    await new Promise((r) => setTimeout(r, 20));
    middle = new Date().toISOString();
    await create('fail2');
    await create('ok2');
    expect((await call('PATCH', `/partners/${partners.ok1}`, { details: { company: 'Ok Ltd' } })).status).toBe(200);
    await until('five logged, the failing ones dead', async () => {
      const { items } = await deliveries();
      return items.length === 5 && items.filter((d) => d.status === 'dead').length === 2 && items.filter((d) => d.status === 'delivered').length === 3;
    });
  }, 60_000);
  afterAll(async () => {
    await engine?.stop();
    await sink?.close();
  });

  it('filters by status, partner, topic, event and time [from, to), newest first', async () => {
    const dead = await deliveries('?status=dead');
    expect(dead.items.map((d) => d.partnerId)).toEqual([partners.fail2, partners.fail1]);
    expect(dead.items.every((d) => d.attempts.length === 2 && d.attempts.every((a: any) => a.status === 500))).toBe(true);

    const ok1 = await deliveries(`?partnerId=${partners.ok1}`);
    expect(ok1.items.map((d) => d.topic)).toEqual(['AFFILIATE_DETAILS_CHANGE', 'NEW_AFFILIATE']);
    expect((await deliveries('?topic=AFFILIATE_DETAILS_CHANGE')).items.map((d) => d.partnerId)).toEqual([partners.ok1]);
    expect((await deliveries(`?topic=NEW_AFFILIATE&partnerId=${partners.ok1}`)).items).toHaveLength(1);

    const one = dead.items[1];
    expect(ids(await deliveries(`?eventId=${one.eventId}`))).toEqual([one.id]);
    expect((await deliveries(`?eventId=${one.eventId}&status=delivered`)).items).toEqual([]);

    const before = await deliveries(`?from=${start}&to=${middle}`);
    expect(before.items.map((d) => d.partnerId)).toEqual([partners.fail1, partners.ok1]);
    const after = await deliveries(`?from=${middle}`);
    expect(after.items).toHaveLength(3);
    expect((await deliveries(`?to=${middle}&status=dead`)).items.map((d) => d.partnerId)).toEqual([partners.fail1]);
    expect(after.items.every((d) => d.createdAt >= middle) && before.items.every((d) => d.createdAt < middle)).toBe(true);
  });

  it('pages every search with cursors: each delivery once, in the same order as one big page', async () => {
    const whole = ids(await deliveries('?limit=50'));
    expect(whole).toHaveLength(5);
    const delivered = ids(await deliveries('?status=delivered'));
    expect(delivered).toHaveLength(3);
    expect(delivered).toEqual(whole.filter((id) => delivered.includes(id)));
    for (const limit of [1, 2]) expect((await allPages('status=delivered', limit)).map((d) => d.id)).toEqual(delivered);
    expect((await allPages('', 2)).map((d) => d.id)).toEqual(whole);
    expect((await allPages(`from=${middle}`, 1)).map((d) => d.id)).toEqual(whole.slice(0, 3));
  });

  it('bad input: an unknown status or topic, a bad time, a reversed range, a bad cursor or limit are 400 naming the field, and nothing is queued', async () => {
    const cases: [string, string, string][] = [
      ['?status=failed', 'invalid_status', 'status'],
      ['?topic=NOPE', 'unknown_topic', 'topic'],
      ['?from=yesterday', 'invalid_time', 'from'],
      ['?to=2026-13-45T00:00:00Z', 'invalid_time', 'to'],
      [`?from=${middle}&to=${start}`, 'invalid_range', 'from'],
      ['?cursor=%%%', 'invalid_cursor', 'cursor'],
      ['?limit=0', 'invalid_limit', 'limit'],
    ];
    for (const [query, code, field] of cases) {
      const res = await call('GET', `/webhook-endpoints/${endpointId}/deliveries${query}`);
      expect({ query, status: res.status, code: res.body.code, field: res.body.errors?.[0]?.field }).toEqual({ query, status: 400, code, field });
    }
    const received = sink.got.length;
    const bodies: [unknown, string, string][] = [
      [{ status: 'failed' }, 'invalid_status', 'status'],
      [{ status: 'dead', from: 'not a time' }, 'invalid_time', 'from'],
      [{ status: 'dead', from: middle, to: start }, 'invalid_range', 'from'],
      [{ status: 'dead', limit: 501 }, 'invalid_limit', 'limit'],
      [{ status: 'dead', cursor: 'x' }, 'invalid_cursor', 'cursor'],
    ];
    for (const [body, code, field] of bodies) {
      const res = await call('POST', `/webhook-endpoints/${endpointId}/deliveries/resend`, body);
      expect({ body, status: res.status, code: res.body.code, field: res.body.errors?.[0]?.field }).toEqual({ body, status: 400, code, field });
    }
    expect((await call('POST', '/webhook-endpoints/whe_nope/deliveries/resend', { status: 'dead' })).status).toBe(404);
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.got.length).toBe(received);
    expect((await deliveries('?status=dead')).items).toHaveLength(2);
  });

  it('is in the OpenAPI document: the search parameters, the page, the bulk resend body and answer', async () => {
    const doc = (await engine.call('GET', '/docs-json')).body;
    const list = doc.paths['/v1/programs/{pid}/webhook-endpoints/{id}/deliveries'].get;
    expect(list.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name)).toEqual(['status', 'topic', 'partnerId', 'eventId', 'from', 'to', 'cursor', 'limit']);
    expect(list.parameters.find((p: any) => p.name === 'status').schema.enum).toEqual(['pending', 'delivered', 'dead', 'event']);
    expect(list.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/DeliveryPageDto' });
    const bulk = doc.paths['/v1/programs/{pid}/webhook-endpoints/{id}/deliveries/resend'].post;
    expect(bulk.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/BulkResendDto' });
    expect(bulk.responses['202'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/BulkResendResultDto' });
    expect(Object.keys(doc.components.schemas.BulkResendDto.properties).sort()).toEqual(['cursor', 'eventId', 'from', 'limit', 'partnerId', 'status', 'to', 'topic']);
    expect(Object.keys(doc.components.schemas.DeliveryDto.properties).sort()).toEqual(
      ['id', 'endpointId', 'eventId', 'webhookId', 'topic', 'partnerId', 'status', 'attempts', 'createdAt', 'updatedAt'].sort(),
    );
    // The documented shape is the answered shape.
    const [one] = (await deliveries('?limit=1')).items;
    expect(Object.keys(one).sort()).toEqual(Object.keys(doc.components.schemas.DeliveryDto.properties).sort());
  });

  it('resends every dead delivery since a time, a bounded number per call with a cursor to go on; they then arrive with their webhook-ids', async () => {
    const dead = (await deliveries('?status=dead')).items;
    failing = false;
    const received = sink.got.length;
    const first = await call('POST', `/webhook-endpoints/${endpointId}/deliveries/resend`, { status: 'dead', from: start, limit: 1 });
    expect(first).toMatchObject({ status: 202, body: { queued: 1, nextCursor: expect.any(String) } });
    const second = await call('POST', `/webhook-endpoints/${endpointId}/deliveries/resend`, { status: 'dead', from: start, limit: 1, cursor: first.body.nextCursor });
    expect(second).toMatchObject({ status: 202, body: { queued: 1, nextCursor: null } });

    await until('both resent and delivered', async () => {
      const { items } = await deliveries('?status=delivered');
      return items.length === 5;
    });
    const resent = sink.got.slice(received);
    expect(resent.map((r) => r.headers['webhook-id']).sort()).toEqual(dead.map((d) => d.webhookId).sort());
    expect((await deliveries('?status=dead')).items).toEqual([]);
    for (const d of dead) {
      const [again] = (await deliveries(`?eventId=${d.eventId}`)).items;
      // A dead letter is put back at attempt 1: the log keeps the earlier attempts and adds the 200.
      expect(again.attempts.map((a: any) => [a.attempt, a.status])).toEqual([
        [1, 500],
        [2, 500],
        [1, 200],
      ]);
    }
    // Nothing left to resend: a search that finds nothing queues nothing.
    expect(await call('POST', `/webhook-endpoints/${endpointId}/deliveries/resend`, { status: 'dead' })).toMatchObject({ status: 202, body: { queued: 0, nextCursor: null } });
    await new Promise((r) => setTimeout(r, 200));
    expect(sink.got.length).toBe(received + 2);
  });
});
