import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { STATE_FILE } from '@partner-ledger/config';
import { SqliteReadStore } from '@partner-ledger/read-store';
import {
  createProgram,
  type ReceivedWebhook,
  startTestEngine,
  type TestEngine,
  topicSchemaProblems,
  UNKNOWN_PID,
  until,
  webhookReceiver,
  type WebhookReceiver,
} from '@partner-ledger/testing';
import { ReplayJobRepository } from '@partner-ledger/webhook-runtime';

const ENV = { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8', WEBHOOK_RETRY_SCHEDULE: '50ms,100ms' };

type Call = (method: string, path: string, body?: unknown, key?: string) => ReturnType<TestEngine['call']>;

/** The program's events as the events query lists them (one program's streams, in log order). */
async function programEvents(call: Call): Promise<{ position: string; type: string }[]> {
  const res = await call('GET', '/events?limit=10000');
  return String(res.body)
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

const settled = (call: Call, path: string) =>
  until('replay job settled', async () => {
    const job = (await call('GET', path)).body;
    return ['succeeded', 'failed', 'cancelled'].includes(job.status) && job;
  });

const idOf = (r: ReceivedWebhook) => r.headers['webhook-id'] as string;

/**
 * Replay (backfill) as a background job, end to end: a real engine on loopback, the SQLite store
 * and queue, the delivery worker, and a real receiver. A replay sends the same webhooks the
 * publisher sent live: same webhook-ids, and bodies as they were at the time of each event.
 */
describe('replay jobs', () => {
  let engine: TestEngine;
  let sink: WebhookReceiver;
  let a: { id: string; key: string };
  let b: { id: string; key: string };
  let endpointA: { id: string };
  let callA: Call;
  let callB: Call;

  beforeAll(async () => {
    sink = await webhookReceiver();
    engine = await startTestEngine({ env: { ...ENV, WEBHOOK_REPLAY_BATCH_SIZE: '3' } });
    a = await createProgram(engine, { name: 'A' });
    callA = (method, path, body, key = a.key) => engine.call(method, `/v1/programs/${a.id}${path}`, body, key);
    endpointA = (await callA('POST', '/webhook-endpoints', { url: sink.url('/a'), topics: ['ALL'] })).body;
    const ada = (await callA('POST', '/partners', { email: 'ada@example.com', name: 'Ada Lovelace', key: 'ADA' })).body;
    // Another program's events between A's: the replay of A reads past them.
    b = await createProgram(engine, { name: 'B' });
    callB = (method, path, body, key = b.key) => engine.call(method, `/v1/programs/${b.id}${path}`, body, key);
    await callB('POST', '/webhook-endpoints', { url: sink.url('/b'), topics: ['ALL'] });
    await callB('POST', '/partners', { email: 'bob@example.com', name: 'Bob', key: 'BOB' });
    await callA('PATCH', `/partners/${ada.id}`, { details: { company: 'Analytical Engines' } });
    await callA('POST', `/partners/${ada.id}/status`, { status: 'DISABLED' });
    await callA('POST', `/partners/${ada.id}/status`, { status: 'ACTIVE' });
    await callB('POST', '/partners', { email: 'bea@example.com', name: 'Bea', key: 'BEA' });
    await callA('POST', '/customers', { email: 'jane@example.com', name: 'Jane Doe', key: 'jane', partner: { key: 'ADA' } });
    const sale = (await callA('POST', '/transactions', { customerKey: 'jane', amount: '130.55', key: '1022' })).body;
    await callA('POST', `/conversions/${sale.conversion.id}/approve`);
    await until('the live webhooks of A', () => sink.got.some((r) => r.path === '/a' && r.headers['refersion-topic'] === 'APPROVED_CONVERSION'));
  }, 60_000);
  afterAll(async () => {
    await engine.stop();
    await sink.close();
  });

  it('queues a job (202, Location), runs it to succeeded, and sends the same webhooks as live: same ids, bodies as of each event', async () => {
    const res = await callA('POST', `/webhook-endpoints/${endpointA.id}/replay`, {});
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^rpj_/),
      status: 'queued',
      endpointId: endpointA.id,
      from: null,
      to: null,
      topics: ['ALL'],
      progress: { eventsScanned: 0, lastPosition: null, headPosition: null, messagesQueued: 0 },
      createdAt: expect.any(String),
      startedAt: null,
      finishedAt: null,
      error: null,
    });
    expect(res.headers.get('location')).toBe(`/v1/programs/${a.id}/replay-jobs/${res.body.id}`);

    const job = await settled(callA, `/replay-jobs/${res.body.id}`);
    const events = await programEvents(callA);
    expect(job).toMatchObject({ status: 'succeeded', startedAt: expect.any(String), finishedAt: expect.any(String), error: null });
    // Only A's streams were read: B's events are not among those scanned.
    expect(job.progress).toEqual({ eventsScanned: events.length, lastPosition: events.at(-1)!.position, headPosition: events.at(-1)!.position, messagesQueued: expect.any(Number) });

    const queued = job.progress.messagesQueued;
    await until('every replayed webhook', () => sink.got.filter((r) => r.path === '/a').length === 2 * queued);
    const toA = sink.got.filter((r) => r.path === '/a');
    const byId = new Map<string, string[]>();
    for (const r of toA) byId.set(idOf(r), [...(byId.get(idOf(r)) ?? []), r.body]);
    expect(byId.size).toBe(queued);
    for (const [, bodies] of byId) expect(bodies).toEqual([bodies[0], bodies[0]]);
    expect(topicSchemaProblems(toA)).toEqual([]);
    const replayed = toA.slice(queued);
    expect(replayed.filter((r) => r.headers['refersion-topic'] === 'AFFILIATE_STATUS_CHANGE').map((r) => JSON.parse(r.body).status)).toEqual(['DISABLED', 'ACTIVE']);
    expect(sink.got.filter((r) => r.path === '/b')).toHaveLength(2);

    const metrics = await engine.call('GET', '/metrics');
    expect(String(metrics.body)).toMatch(/^webhook_replay_jobs_running 0$/m);
  }, 30_000);

  it('selects by time and topic; lists jobs newest first with a cursor; a finished job cannot be cancelled (409)', async () => {
    const first = (await callA('GET', '/replay-jobs')).body.items[0];
    const now = new Date().toISOString();
    const none = (await callA('POST', `/webhook-endpoints/${endpointA.id}/replay`, { from: now })).body;
    expect(await settled(callA, `/replay-jobs/${none.id}`)).toMatchObject({ status: 'succeeded', from: now, progress: { messagesQueued: 0 } });
    const statuses = (await callA('POST', `/webhook-endpoints/${endpointA.id}/replay`, { topics: ['AFFILIATE_STATUS_CHANGE'] })).body;
    expect(await settled(callA, `/replay-jobs/${statuses.id}`)).toMatchObject({ status: 'succeeded', topics: ['AFFILIATE_STATUS_CHANGE'], progress: { messagesQueued: 2 } });

    const page = (await callA('GET', '/replay-jobs?limit=2')).body;
    expect(page.items.map((j: { id: string }) => j.id)).toEqual([statuses.id, none.id]);
    const rest = (await callA('GET', `/replay-jobs?limit=2&cursor=${page.nextCursor}`)).body;
    expect(rest).toEqual({ items: [expect.objectContaining({ id: first.id })], nextCursor: null });

    const cancel = await callA('POST', `/replay-jobs/${none.id}/cancel`);
    expect(cancel).toMatchObject({ status: 409, body: { code: 'replay_job_finished' } });
    expect((await callA('GET', `/replay-jobs/${none.id}`)).body.status).toBe('succeeded');
  }, 30_000);

  it('documents the routes in OpenAPI with their request and response schemas', async () => {
    const doc = (await engine.call('GET', '/docs-json')).body;
    const replay = doc.paths['/v1/programs/{pid}/webhook-endpoints/{id}/replay'].post;
    expect(replay.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ReplayDto' });
    expect(replay.responses['202'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ReplayJobDto' });
    expect(replay.responses['202'].headers.Location).toBeDefined();
    expect(doc.paths['/v1/programs/{pid}/replay-jobs'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ReplayJobPageDto' });
    expect(doc.paths['/v1/programs/{pid}/replay-jobs/{jobId}'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ReplayJobDto' });
    expect(doc.paths['/v1/programs/{pid}/replay-jobs/{jobId}/cancel'].post.responses['409']).toBeDefined();
    expect(Object.keys(doc.components.schemas.ReplayJobDto.properties).sort()).toEqual(
      ['id', 'status', 'endpointId', 'from', 'to', 'topics', 'progress', 'createdAt', 'startedAt', 'finishedAt', 'error'].sort(),
    );
  });

  it("answers 404 for an unknown job, endpoint or program, 403 with another program's key, 400 for a bad range", async () => {
    const job = (await callA('GET', '/replay-jobs')).body.items[0];
    expect(await callA('GET', '/replay-jobs/rpj_nope')).toMatchObject({ status: 404, body: { code: 'replay_job_not_found' } });
    expect(await callA('POST', '/replay-jobs/rpj_nope/cancel')).toMatchObject({ status: 404, body: { code: 'replay_job_not_found' } });
    expect(await callA('POST', '/webhook-endpoints/whe_nope/replay', {})).toMatchObject({ status: 404, body: { code: 'webhook_endpoint_not_found' } });
    expect(await engine.call('GET', `/v1/programs/${UNKNOWN_PID}/replay-jobs`)).toMatchObject({ status: 404, body: { code: 'program_not_found' } });
    // B's job list does not show A's jobs, and A's job is not found under B.
    expect((await callB('GET', '/replay-jobs')).body.items).toEqual([]);
    expect((await callB('GET', `/replay-jobs/${job.id}`)).status).toBe(404);
    for (const [method, path] of [
      ['GET', '/replay-jobs'],
      ['GET', `/replay-jobs/${job.id}`],
      ['POST', `/replay-jobs/${job.id}/cancel`],
      ['POST', `/webhook-endpoints/${endpointA.id}/replay`],
    ]) {
      expect(await callA(method, path, method === 'POST' ? {} : undefined, b.key)).toMatchObject({ status: 403, body: { code: 'forbidden_program' } });
    }
    expect(await callA('POST', `/webhook-endpoints/${endpointA.id}/replay`, { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' })).toMatchObject({
      status: 400,
      body: { code: 'invalid_range' },
    });
  });
});

/**
 * A long job (one event per batch over a few hundred events): a second job for the endpoint is
 * refused while it runs, a cancel stops it at its next batch, and a job running at shutdown is
 * saved at its last batch and resumed after the restart from there, to the same end.
 */
describe('replay jobs that take a while', () => {
  it('409 for a second job, cancel mid-way, and a job interrupted by a restart resumes from its saved position', async () => {
    const sink = await webhookReceiver();
    let engine = await startTestEngine({ env: { ...ENV, WEBHOOK_REPLAY_BATCH_SIZE: '1' } });
    const { dataDir } = engine;
    let running = true;
    try {
      const c = await createProgram(engine, { name: 'C' });
      const call: Call = (method, path, body, key = c.key) => engine.call(method, `/v1/programs/${c.id}${path}`, body, key);
      const endpoint = (await call('POST', '/webhook-endpoints', { url: sink.url('/c'), topics: ['NEW_AFFILIATE'] })).body;
      // Enough that the interrupted job is still running when the engine stops (one event per batch).
      const partners = 250;
      for (let n = 0; n < partners; n++) expect((await call('POST', '/partners', { email: `p${n}@example.com`, name: `P ${n}` })).status).toBe(201);
      await until('the live webhooks', () => sink.got.length === partners);
      const liveIds = new Set(sink.got.map(idOf));

      const first = (await call('POST', `/webhook-endpoints/${endpoint.id}/replay`, {})).body;
      const second = await call('POST', `/webhook-endpoints/${endpoint.id}/replay`, {});
      expect(second).toMatchObject({ status: 409, body: { code: 'replay_in_progress', detail: expect.stringContaining(first.id) } });
      const cancelled = await call('POST', `/replay-jobs/${first.id}/cancel`);
      expect(cancelled).toMatchObject({ status: 200, body: { id: first.id, status: 'cancelled', finishedAt: expect.any(String) } });
      expect(cancelled.body.progress.messagesQueued).toBeLessThan(partners);
      expect((await call('GET', `/replay-jobs/${first.id}`)).body).toEqual(cancelled.body);
      expect(await call('POST', `/replay-jobs/${first.id}/cancel`)).toMatchObject({ status: 409, body: { code: 'replay_job_finished' } });

      const interrupted = (await call('POST', `/webhook-endpoints/${endpoint.id}/replay`, {})).body;
      await until('some progress', async () => (await call('GET', `/replay-jobs/${interrupted.id}`)).body.progress.messagesQueued >= 10);
      await engine.stop({ keepData: true });
      running = false;
      const store = SqliteReadStore.open(join(dataDir, STATE_FILE));
      const saved = await new ReplayJobRepository(store).get(c.id, interrupted.id).finally(() => store.close());
      expect(saved).toMatchObject({ status: 'queued', owner: null, startedAt: expect.any(String), finishedAt: null, progress: { headPosition: expect.any(String) } });
      expect(saved!.progress.messagesQueued).toBeGreaterThanOrEqual(10);
      expect(saved!.progress.messagesQueued).toBeLessThan(partners);
      expect(BigInt(saved!.progress.lastPosition!)).toBeLessThan(BigInt(saved!.progress.headPosition!));

      engine = await startTestEngine({ dataDir, env: { ...ENV, WEBHOOK_REPLAY_BATCH_SIZE: '1' } });
      running = true;
      const resumed = await settled(call, `/replay-jobs/${interrupted.id}`);
      const events = await programEvents(call);
      expect(resumed).toMatchObject({ status: 'succeeded', startedAt: saved!.startedAt, error: null });
      // messagesQueued adds up across the restart to exactly one per partner: the resumed job went on after its saved position.
      expect(resumed.progress).toEqual({ eventsScanned: events.length, lastPosition: events.at(-1)!.position, headPosition: events.at(-1)!.position, messagesQueued: partners });
      const expected = partners + cancelled.body.progress.messagesQueued + partners;
      await until('the replayed webhooks', () => sink.got.length >= expected);
      expect(new Set(sink.got.map(idOf))).toEqual(liveIds);
    } finally {
      if (running) await engine.stop({ keepData: true });
      rmSync(dataDir, { recursive: true, force: true });
      await sink.close();
    }
  }, 120_000);
});
