import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import {
  expectProblem,
  expectRefused,
  expectStatus,
  MovableClock,
  newProgram,
  type ProgramClient,
  type Res,
  startTestEngine,
  type TestEngine,
  until,
  webhookReceiver,
  type WebhookReceiver,
} from '@partner-ledger/testing';

/** Node's request headers as the standardwebhooks package takes them. */
const plain = (headers: Record<string, unknown>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
/**
 * POST /v1/programs/:pid/webhook-endpoints/:id/portal-links and the consumer portal's API at
 * /v1/portal/webhook-endpoint: one endpoint's deliveries, resend, test and secret rotation through
 * the link alone, nothing of another endpoint, and nothing once the link is expired or altered.
 * Real HTTP to a loopback receiver.
 */
describe('webhook-consumer portal links over HTTP', () => {
  const clock = new MovableClock(new Date(), { running: true });
  let engine: TestEngine;
  let sink: WebhookReceiver;
  let program: ProgramClient;
  let mine: any;
  let other: any;
  let token: string;

  const portal = (method: string, path: string, t: string | null, body?: unknown): Promise<Res> => engine.call(method, `/v1/portal/webhook-endpoint${path}`, body, t);
  const mint = (endpointId: string, body: unknown = {}, key: string | null = program.key) => engine.call('POST', program.path(`/webhook-endpoints/${endpointId}/portal-links`), body, key);
  const deliveriesOf = async (endpointId: string) => (await engine.call('GET', program.path(`/webhook-endpoints/${endpointId}/deliveries`))).body.items as any[];

  beforeAll(async () => {
    sink = await webhookReceiver();
    engine = await startTestEngine({ clock, env: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8' } });
    program = await newProgram(engine, { name: 'Acme partners' });
    const create = async (path: string) => {
      const res = await program.post('/webhook-endpoints', { url: sink.url(path), topics: ['NEW_AFFILIATE'], description: path });
      expectStatus(res, 201);
      return res.body;
    };
    mine = await create('/mine');
    other = await create('/other');
    await program.partner({ name: 'Ada' });
    await until('one delivery to each endpoint', async () => (await deliveriesOf(mine.id)).length === 1 && (await deliveriesOf(other.id)).length === 1);
    const minted = await mint(mine.id);
    expectStatus(minted, 201);
    token = minted.body.token;
  });
  afterAll(async () => {
    await engine?.stop();
    await sink?.close();
  });

  it("mints a link (7 days by default) whose page and token show that endpoint and its deliveries, and nothing of another endpoint's", async () => {
    const res = await mint(mine.id);
    expect(res.body).toEqual({ url: `${engine.url}/portal/webhook-endpoint#${res.body.token}`, token: expect.stringMatching(/^plw1\.[\w-]+\.[\w-]{43}$/), expiresAt: expect.any(String) });
    const lasts = Date.parse(res.body.expiresAt) - clock.now().getTime();
    expect(lasts).toBeGreaterThan(7 * 86400_000 - 5000);
    expect(lasts).toBeLessThanOrEqual(7 * 86400_000);

    const view = await portal('GET', '', token);
    expectStatus(view, 200);
    expect(view.body).toEqual({
      program: { id: program.id, name: 'Acme partners' },
      endpoint: {
        id: mine.id,
        url: mine.url,
        topics: ['NEW_AFFILIATE'],
        filter: null,
        rateLimit: null,
        ordering: 'none',
        enabled: true,
        description: '/mine',
        disabledReason: null,
        createdAt: mine.createdAt,
        updatedAt: expect.any(String),
      },
      subscribedTopics: ['NEW_AFFILIATE'],
      expiresAt: expect.any(String),
    });
    expect(JSON.stringify(view.body)).not.toContain('whsec_');

    const deliveries = await portal('GET', '/deliveries', token);
    expectStatus(deliveries, 200);
    expect(deliveries.body.items).toEqual([
      expect.objectContaining({ endpointId: mine.id, topic: 'NEW_AFFILIATE', status: 'delivered', attempts: [expect.objectContaining({ status: 200 })] }),
    ]);
    const text = JSON.stringify(deliveries.body);
    for (const foreign of [other.id, '/other', 'programId']) expect(text).not.toContain(foreign);
    expectProblem(await portal('GET', '/deliveries?status=lost', token), 400, 'invalid_status', 'status');

    const page = await fetch(res.body.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('/console/assets/webhook-portal.js');
  });

  it("resends one of its deliveries, and finds none of another endpoint's", async () => {
    const [delivery] = (await portal('GET', '/deliveries', token)).body.items;
    const resent = await portal('POST', `/deliveries/${delivery.id}/resend`, token);
    expectStatus(resent, 202);
    expect(resent.body).toEqual({ id: delivery.id, webhookId: delivery.webhookId, queued: true });
    await until('the second attempt', async () => (await deliveriesOf(mine.id))[0].attempts.length === 2);

    const [theirs] = await deliveriesOf(other.id);
    expectProblem(await portal('POST', `/deliveries/${theirs.id}/resend`, token), 404, 'delivery_not_found');
    expect((await deliveriesOf(other.id))[0].attempts).toHaveLength(1);
    expect(sink.got.filter((r) => r.path === '/other')).toHaveLength(1);
  });

  it('sends a signed test event, and rotates the secret: the next delivery verifies with the new one', async () => {
    const rotated = await portal('POST', '/rotate-secret', token, { overlapSeconds: 0 });
    expectStatus(rotated, 200);
    expect(rotated.body).toMatchObject({ id: mine.id, secret: expect.stringMatching(/^whsec_/), previousSecretsExpireAt: null });
    expectProblem(await portal('POST', '/rotate-secret', token, { overlapSeconds: -1 }), 400, 'validation_failed', 'overlapSeconds');

    const test = await portal('POST', '/test', token);
    expectStatus(test, 202);
    expect(test.body).toEqual({ queued: true, eventId: expect.stringMatching(/^test_/), topic: 'NEW_AFFILIATE' });
    const got = await until('the test event', () => sink.got.find((r) => r.path === '/mine' && JSON.parse(r.body).test === true));
    expect(new Webhook(rotated.body.secret).verify(got.body, plain(got.headers))).toMatchObject({ test: true, topic: 'NEW_AFFILIATE' });
    expect(() => new Webhook(mine.secret).verify(got.body, plain(got.headers))).toThrow();
    const logged = await until('the test in the log', async () => (await portal('GET', `/deliveries?eventId=${test.body.eventId}`, token)).body.items[0]);
    expect(logged).toMatchObject({ eventId: test.body.eventId, status: 'delivered' });
  });

  it('an altered token, a partner portal token, a program key or none get 401 problem+json on every route', async () => {
    const [prefix, body, signature] = token.split('.');
    const grant = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    const swapped = Buffer.from(JSON.stringify({ ...grant, a: other.id })).toString('base64url');
    const longer = Buffer.from(JSON.stringify({ ...grant, e: grant.e + 86400 * 365 })).toString('base64url');
    const partner = await program.partner();
    const partnerToken = (await program.post(`/partners/${partner.id}/portal-links`, {})).body.token as string;
    expect(partnerToken).toMatch(/^plp1\./);
    // The same payload under the partner prefix: the prefix is signed too, so it opens neither portal.
    const relabelled = `plp1.${body}.${signature}`;
    const flipped = signature.slice(0, -1) + (signature.endsWith('A') ? 'B' : 'A');
    const bad = [`${prefix}.${swapped}.${signature}`, `${prefix}.${longer}.${signature}`, `${prefix}.${body}.${flipped}`, `${prefix}.${body}`, `${token}.x`, partnerToken, program.key];
    const routes: [string, string, unknown?][] = [
      ['GET', ''],
      ['GET', '/deliveries'],
      ['POST', '/test', {}],
      ['POST', '/rotate-secret', {}],
      ['POST', '/deliveries/x/resend', {}],
    ];
    for (const [method, path, payload] of routes) {
      for (const t of bad) expectProblem(await portal(method, path, t, payload), 401, 'invalid_portal_token');
      expectProblem(await portal(method, path, null, payload), 401, 'missing_portal_token');
    }
    expectProblem(await engine.call('GET', '/v1/portal/partner', undefined, token), 401, 'invalid_portal_token');
    expectProblem(await engine.call('GET', '/v1/portal/partner', undefined, relabelled), 401, 'invalid_portal_token');
    expect(sink.got.filter((r) => JSON.parse(r.body).test === true)).toHaveLength(1);
  });

  it('a link stops working once expired (the clock moved past it), and once the endpoint is deleted', async () => {
    const short = await mint(mine.id, { expiresInSeconds: 60 });
    expectStatus(await portal('GET', '', short.body.token), 200);
    clock.advance(61_000);
    for (const [method, path] of [
      ['GET', ''],
      ['GET', '/deliveries'],
      ['POST', '/test'],
      ['POST', '/rotate-secret'],
    ]) {
      const refused = await portal(method, path, short.body.token, method === 'POST' ? {} : undefined);
      expectProblem(refused, 401, 'portal_link_expired');
    }

    const theirs = (await mint(other.id)).body.token;
    expectStatus(await portal('GET', '', theirs), 200);
    expect((await engine.call('DELETE', program.path(`/webhook-endpoints/${other.id}`))).status).toBe(204);
    expectProblem(await portal('GET', '/deliveries', theirs), 403, 'portal_closed');
  });

  it('the admin key mints too; another program’s key, no key, an unknown endpoint and a bad expiresInSeconds are refused', async () => {
    expectStatus(await engine.call('POST', program.path(`/webhook-endpoints/${mine.id}/portal-links`), { expiresInSeconds: 3600 }), 201);
    const stranger = await newProgram(engine);
    await expectRefused(engine, () => mint(mine.id, {}, stranger.key), 403, 'forbidden_program');
    await expectRefused(engine, () => mint(mine.id, {}, null), 401, 'missing_api_key');
    await expectRefused(engine, () => mint('whe_nothing', {}), 404, 'webhook_endpoint_not_found');
    await expectRefused(engine, () => mint(mine.id, { expiresInSeconds: 59 }), 400, 'validation_failed', 'expiresInSeconds');
  });

  it('documents the routes in /docs-json with their answers and problem+json refusals', async () => {
    const docs = (await engine.call('GET', '/docs-json', undefined, null)).body;
    const json = (op: any, status: string) => op.responses[status].content['application/json'].schema.$ref;
    const problem = (op: any, status: string) => op.responses[status].content['application/problem+json'].schema.$ref;
    const mintOp = docs.paths['/v1/programs/{pid}/webhook-endpoints/{id}/portal-links'].post;
    expect(json(mintOp, '201')).toBe('#/components/schemas/PortalLinkDto');
    for (const status of ['400', '403', '404']) expect(problem(mintOp, status)).toBe('#/components/schemas/Problem');
    const ops = {
      view: [docs.paths['/v1/portal/webhook-endpoint'].get, '200', 'WebhookEndpointPortalViewDto'],
      deliveries: [docs.paths['/v1/portal/webhook-endpoint/deliveries'].get, '200', 'DeliveryPageDto'],
      resend: [docs.paths['/v1/portal/webhook-endpoint/deliveries/{deliveryId}/resend'].post, '202', 'ResendResultDto'],
      test: [docs.paths['/v1/portal/webhook-endpoint/test'].post, '202', 'TestDeliveryDto'],
      rotate: [docs.paths['/v1/portal/webhook-endpoint/rotate-secret'].post, '200', 'RotatedSecretDto'],
    } as const;
    for (const [op, status, schema] of Object.values(ops)) {
      expect(json(op, status)).toBe(`#/components/schemas/${schema}`);
      for (const refused of ['401', '403']) expect(problem(op, refused)).toBe('#/components/schemas/Problem');
    }
    // The program's own endpoint routes declare their answers too.
    expect(json(docs.paths['/v1/programs/{pid}/webhook-endpoints'].post, '201')).toBe('#/components/schemas/CreatedWebhookEndpointDto');
    expect(json(docs.paths['/v1/programs/{pid}/webhook-endpoints/{id}/rotate-secret'].post, '200')).toBe('#/components/schemas/RotatedSecretDto');
    expect(json(docs.paths['/v1/programs/{pid}/webhook-endpoints/{id}/test'].post, '202')).toBe('#/components/schemas/TestDeliveryDto');
    expect(json(docs.paths['/v1/programs/{pid}/deliveries/{deliveryId}/resend'].post, '202')).toBe('#/components/schemas/ResendResultDto');
  });
});
