import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { createHttpApp } from './bootstrap.js';
import { createLogger } from '@partner-ledger/telemetry';
import { PROBLEM_CONTENT_TYPE, problemType, type Problem } from './problem.js';
import { startTestApp, type RunningApp } from './test-app.fixture.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function problemOf(res: Response): Promise<Problem> {
  expect(res.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  const body = (await res.json()) as Problem;
  expect(body.type).toBe(problemType(body.code));
  expect(body.status).toBe(res.status);
  expect(typeof body.title).toBe('string');
  return body;
}

describe('HTTP platform (real HTTP on loopback)', () => {
  let t: RunningApp;
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(t.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  beforeAll(async () => {
    t = await startTestApp({ indicators: [{ name: 'store', check: async () => {} }] });
  });
  afterAll(async () => {
    await t.app.close();
  });

  it('answers GET /health with 200 JSON', async () => {
    const res = await fetch(`${t.url}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: 'ok', checks: { store: { status: 'ok' } } });
  });

  it('accepts a valid body and hands the handler a DTO instance', async () => {
    const res = await post('/things', JSON.stringify({ name: 'a', partner: { key: 'k' }, tiers: [{ level: 1 }] }));
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: 'a', isDto: true });
  });

  it('records the request duration by route pattern in /metrics', async () => {
    await (await fetch(`${t.url}/things/42`)).text();
    const res = await fetch(`${t.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('http_request_duration_seconds_bucket');
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/things\/:id",status_code="200"\} 1/);
    expect(text).not.toContain('route="/things/42"');
    await (await fetch(`${t.url}/nowhere/${Math.random()}`)).text();
    expect(await (await fetch(`${t.url}/metrics`)).text()).toMatch(/route="<unmatched>",status_code="404"/);
    expect(text).toContain('process_cpu_user_seconds_total');
    // The event loop's delay (perf_hooks.monitorEventLoopDelay, since the previous scrape): what a
    // long synchronous batch costs the lease renewal and /health.
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds [0-9.e+-]+$/m);
    // The same CPU by thread (main, named threads, the runtime's), where /proc has it (Linux).
    if (existsSync('/proc/self/task')) expect(text).toMatch(/^process_thread_cpu_seconds_total\{thread="main"\} [0-9.e+-]*[1-9][0-9.e+-]*$/m);
  });

  it('serves an OpenAPI document listing the app routes but not /health or /metrics', async () => {
    const res = await fetch(`${t.url}/docs-json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as any;
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toMatchObject({ title: 'Platform test', version: '1.2.3' });
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/things', '/things/{id}']));
    expect(doc.paths['/health']).toBeUndefined();
    expect(doc.paths['/metrics']).toBeUndefined();
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.CreateThingDto.properties).toHaveProperty('name');
    expect(doc.components.schemas.Problem).toBeDefined();
    const ui = await fetch(`${t.url}/docs`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/text\/html/);
    const html = await ui.text();
    for (const asset of ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/swagger-initializer.js']) {
      expect(html).toContain(asset);
      const res = await fetch(t.url + asset);
      expect(res.status).toBe(200);
      expect((await res.text()).length).toBeGreaterThan(100);
    }
    expect((await fetch(`${t.url}/docs/package.json`)).status).toBe(404);
    expect((await fetch(`${t.url}/docs/..%2Fpackage.json`)).status).toBe(404);
  });

  it('turns malformed JSON into 400 malformed_json', async () => {
    const res = await post('/things', '{"name": ');
    expect(res.status).toBe(400);
    const body = await problemOf(res);
    expect(body).toMatchObject({ code: 'malformed_json', instance: '/things' });
  });

  it('turns an empty JSON body into 400 malformed_json', async () => {
    const res = await post('/things', '');
    expect(res.status).toBe(400);
    expect((await problemOf(res)).code).toBe('malformed_json');
  });

  it('turns an unknown media type into 415 unsupported_media_type', async () => {
    const res = await post('/things', 'name=a', { 'content-type': 'text/csv' });
    expect(res.status).toBe(415);
    expect((await problemOf(res)).code).toBe('unsupported_media_type');
  });

  it('refuses an unknown field with 400 validation_failed naming it', async () => {
    const res = await post('/things', JSON.stringify({ name: 'a', foo: 1 }));
    expect(res.status).toBe(400);
    const body = await problemOf(res);
    expect(body.code).toBe('validation_failed');
    expect(body.errors).toEqual([{ field: 'foo', reason: 'property foo should not exist' }]);
    expect(body.detail).toContain('foo');
  });

  it('refuses a wrong type with 400 naming the field', async () => {
    const res = await post('/things', JSON.stringify({ name: 42 }));
    expect(res.status).toBe(400);
    const body = await problemOf(res);
    expect(body.code).toBe('validation_failed');
    expect(body.errors).toEqual([{ field: 'name', reason: 'name must be a string' }]);
  });

  it('names nested fields with dot paths', async () => {
    const res = await post('/things', JSON.stringify({ name: 'a', partner: { key: 5, extra: true }, tiers: [{ level: 1 }, { level: 'x' }] }));
    expect(res.status).toBe(400);
    const body = await problemOf(res);
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { field: 'partner.key', reason: 'key must be a string' },
        { field: 'partner.extra', reason: 'property extra should not exist' },
        { field: 'tiers.1.level', reason: expect.stringContaining('level must be an integer number') },
      ]),
    );
    expect(body.errors).toHaveLength(3);
  });

  it('refuses a body that is not an object', async () => {
    for (const raw of ['"just a string"', 'null', '[1, 2]', '42']) {
      const res = await post('/things', raw);
      expect(res.status).toBe(400);
      const body = await problemOf(res);
      expect(body.code).toBe('validation_failed');
      expect(body.errors).toEqual([{ field: 'body', reason: 'must be a JSON object' }]);
    }
  });

  it('answers a body over the limit with 413 payload_too_large', async () => {
    const res = await post('/things', JSON.stringify({ name: 'x'.repeat(4096) }));
    expect(res.status).toBe(413);
    expect((await problemOf(res)).code).toBe('payload_too_large');
  });

  it('maps a DomainError conflict to 409 with its own code and field', async () => {
    const res = await post('/things/taken', '{}');
    expect(res.status).toBe(409);
    expect(await problemOf(res)).toEqual({
      type: 'https://partner-ledger.dev/problems/thing_name_taken',
      title: 'Conflict',
      status: 409,
      detail: 'A thing with this name already exists',
      code: 'thing_name_taken',
      instance: '/things/taken',
      errors: [{ field: 'name', reason: 'A thing with this name already exists' }],
    });
  });

  it('answers an unknown route with 404 problem+json route_not_found', async () => {
    const res = await fetch(`${t.url}/nowhere?x=1`);
    expect(res.status).toBe(404);
    const body = await problemOf(res);
    expect(body).toMatchObject({ code: 'route_not_found', instance: '/nowhere?x=1' });
  });

  it('answers an unexpected error with 500 internal_error without its message', async () => {
    const res = await fetch(`${t.url}/things/boom`);
    expect(res.status).toBe(500);
    const text = await res.clone().text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('postgres');
    expect((await problemOf(res)).code).toBe('internal_error');
  });

  it('echoes a sane x-correlation-id and hands it to the handler', async () => {
    const res = await post('/things', JSON.stringify({ name: 'a' }), { 'x-correlation-id': 'req-1.a:b_C' });
    expect(res.headers.get('x-correlation-id')).toBe('req-1.a:b_C');
    expect(((await res.json()) as any).correlationId).toBe('req-1.a:b_C');
  });

  it('generates a correlation id when absent or not sane, on errors too', async () => {
    const absent = await fetch(`${t.url}/things/1`);
    expect(absent.headers.get('x-correlation-id')).toMatch(UUID);
    const insane = await fetch(`${t.url}/things/1`, { headers: { 'x-correlation-id': 'a b<script>' } });
    expect(insane.headers.get('x-correlation-id')).toMatch(UUID);
    const tooLong = await fetch(`${t.url}/things/1`, { headers: { 'x-correlation-id': 'a'.repeat(129) } });
    expect(tooLong.headers.get('x-correlation-id')).toMatch(UUID);
    const notFound = await fetch(`${t.url}/nowhere`, { headers: { 'x-correlation-id': 'err-1' } });
    expect(notFound.headers.get('x-correlation-id')).toBe('err-1');
    const malformed = await post('/things', '{', { 'x-correlation-id': 'err-2' });
    expect(malformed.headers.get('x-correlation-id')).toBe('err-2');
  });
});

describe('several apps in one process', () => {
  it('creates, serves and closes two apps side by side, each with its own registry', async () => {
    const a = await startTestApp();
    const b = await startTestApp({
      indicators: [
        { name: 'fine', check: async () => {} },
        {
          name: 'store',
          check: async () => {
            throw new Error('store unreachable');
          },
        },
      ],
    });
    try {
      expect(a.url).not.toBe(b.url);
      expect((await fetch(`${a.url}/health`)).status).toBe(200);
      const health = await fetch(`${b.url}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({
        status: 'error',
        checks: { fine: { status: 'ok' }, store: { status: 'error', detail: 'store unreachable' } },
      });
      await (await fetch(`${a.url}/things/1`)).text();
      const metricsB = await (await fetch(`${b.url}/metrics`)).text();
      expect(metricsB).not.toContain('route="/things/:id"');
    } finally {
      await a.app.close();
      await b.app.close();
    }
    const third = await startTestApp();
    expect((await fetch(`${third.url}/health`)).status).toBe(200);
    await third.app.close();
  });
});

describe('closing with a request in flight', () => {
  it('answers it, then ends its keep-alive socket, so close() does not wait for the client to hang up', async () => {
    const t = await startTestApp();
    const response = fetch(`${t.url}/things/slow/300`); // keep-alive, as every fetch
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    const closed = t.app.close().then(() => Date.now() - started);
    const res = await response;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ waited: 300 });
    expect(res.headers.get('connection')).toBe('close');
    // Without it the socket stays open for the advertised keep-alive (72 s) and close() with it.
    expect(await closed).toBeLessThan(5_000);
  }, 15_000);
});

describe('createHttpApp', () => {
  it('says so when the root module lacks PlatformModule', async () => {
    @Module({})
    class Bare {}
    await expect(createHttpApp(Bare, { logger: createLogger({ level: 'silent' }), title: 'x' })).rejects.toThrow(/PlatformModule\.forRoot/);
  });
});
