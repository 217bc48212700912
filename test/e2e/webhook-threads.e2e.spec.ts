import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY, AppProcess, CLEAN_SIGTERM_EXITS, until, webhookReceiver, type WebhookReceiver, buildOnce } from '@partner-ledger/testing';

/**
 * The built engine as `npm start` runs it publishes and delivers webhooks in a worker thread
 * (WEBHOOK_THREADS, default 1; libs/roles/src/webhook-threads.module.ts). What must cross from the
 * main thread to it does: appends and the queue's publishes, an endpoint's change (the thread's
 * endpoint cache is told at once, not at its refresh, here an hour), and its log lines, which the
 * engine writes with its own.
 */
describe('the engine’s webhook thread', () => {
  let engine: AppProcess;
  let dataDir: string;
  let first: WebhookReceiver;
  let second: WebhookReceiver;
  let pid: string;
  let key: string;
  let endpointId: string;
  const call = (method: string, path: string, body?: unknown, bearer = key) => engine.call(method, path, body, bearer);
  const sale = (txKey: string) => call('POST', `/v1/programs/${pid}/transactions`, { customerKey: 'c1', amount: '100.00', key: txKey });
  const carries = (received: WebhookReceiver, txKey: string) => received.got.some((r) => r.body.includes(`"${txKey}"`));

  beforeAll(async () => {
    await buildOnce();
    dataDir = mkdtempSync(join(tmpdir(), 'pl-webhook-threads-'));
    // The second receiver fails every attempt: after one failure (WEBHOOK_CIRCUIT_FAILURES=1) the
    // thread opens the endpoint's circuit and logs it.
    first = await webhookReceiver();
    second = await webhookReceiver(() => 500);
    engine = await AppProcess.start('engine', 'engine', {
      DATA_DIR: dataDir,
      ADMIN_API_KEY: ADMIN_KEY,
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
      WEBHOOK_ENDPOINT_REFRESH: '1h',
      WEBHOOK_CIRCUIT_FAILURES: '1',
    });
    const program = await call('POST', '/v1/programs', { name: 'Threads', currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' } }, ADMIN_KEY);
    expect(program.status).toBe(201);
    ({ id: pid, apiKey: key } = program.body as { id: string; apiKey: string });
    expect((await call('POST', `/v1/programs/${pid}/partners`, { email: 'ada@example.com', name: 'Ada', key: 'ADA' })).status).toBe(201);
    expect((await call('POST', `/v1/programs/${pid}/customers`, { email: 'c1@example.com', name: 'C1', key: 'c1', partner: { key: 'ADA' } })).status).toBe(201);
    const endpoint = await call('POST', `/v1/programs/${pid}/webhook-endpoints`, { url: first.url('/hook'), topics: ['NEW_CONVERSION'] });
    expect(endpoint.status).toBe(201);
    endpointId = endpoint.body.id as string;
  }, 180_000);

  afterAll(async () => {
    if (engine && engine.child.exitCode === null) {
      engine.child.kill('SIGKILL');
      await engine.exited;
    }
    await first?.close();
    await second?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs beside the main thread, and /health says so', async () => {
    const health = await engine.health();
    expect(health.status).toBe(200);
    expect(health.body.checks['webhook-threads']).toEqual({ status: 'ok', detail: '1 running' });
    expect(engine.lines().find((l) => l.msg === 'partner-ledger engine listening')).toMatchObject({ roles: ['api', 'projector', 'publisher', 'delivery-worker'] });
  });

  it('names itself, so that /metrics tells its CPU time from the main thread’s', async () => {
    const metrics = await (await fetch(`${engine.url}/metrics`)).text();
    const threads = [...metrics.matchAll(/^process_thread_cpu_seconds_total\{thread="([^"]+)"\} /gm)].map((m) => m[1]);
    // `checkpoint`: the SQLite file's WAL checkpoint thread (libs/config's wal-checkpointer.ts),
    // one per thread that opened the file, each counted under the one name.
    expect(threads.sort()).toEqual(['checkpoint', 'main', 'runtime', 'webhooks-1']);
  });

  it('delivers a sale’s webhook', async () => {
    expect((await sale('t1')).status).toBe(201);
    await until('the webhook of t1', () => carries(first, 't1'), 15_000);
  });

  it('counts each thread’s turns on each file’s write lock on /metrics, under its own name', async () => {
    // After a delivered sale: the main thread appended it; the webhook thread projected, queued and logged it.
    const metrics = await (await fetch(`${engine.url}/metrics`)).text();
    const series = (name: string) =>
      Object.fromEntries([...metrics.matchAll(new RegExp(`^${name}\\{file="([^"]+)",thread="([^"]+)"\\} (\\S+)$`, 'gm'))].map((m) => [`${m[1]} ${m[2]}`, Number(m[3])]));
    const taken = series('sqlite_write_lock_acquisitions_total');
    // Each thread writes the file it owns: the events on the main thread, the state on the webhook thread.
    expect(taken['partner-ledger.db main']).toBeGreaterThan(0);
    expect(taken['partner-ledger-state.db webhooks-1']).toBeGreaterThan(0);
    // At most once on the events' file: its schema, when the thread opened the new file before the main thread did.
    expect(taken['partner-ledger.db webhooks-1'] ?? 0).toBeLessThanOrEqual(1);
    for (const key of Object.keys(taken)) {
      expect(series('sqlite_write_lock_held_seconds_total')[key]).toBeGreaterThan(0);
      expect(series('sqlite_write_lock_wait_seconds_total')[key]).toBeGreaterThanOrEqual(0);
    }
  });

  it('follows an endpoint changed on the main thread at once, not at its hour-long refresh', async () => {
    const moved = await call('PATCH', `/v1/programs/${pid}/webhook-endpoints/${endpointId}`, { url: second.url('/hook') });
    expect(moved.status).toBe(200);
    expect((await sale('t2')).status).toBe(201);
    await until('the webhook of t2 at the new URL', () => carries(second, 't2'), 15_000);
    expect(carries(first, 't2')).toBe(false);
  });

  it('writes its log lines into the engine’s log, marked with the thread', async () => {
    const line = await engine.waitForLog((l) => l.msg === 'webhooks: endpoint circuit open', 15_000);
    expect(line).toMatchObject({ name: 'engine', thread: 1, endpointId });
  });

  it('stops with the engine on SIGTERM, after finishing its attempts', async () => {
    expect(CLEAN_SIGTERM_EXITS).toContainEqual(await engine.terminate());
    expect(engine.lines().find((l) => l.msg === 'webhook threads stopped')).toMatchObject({ threads: 1 });
    expect(engine.lines().filter((l) => l.level >= 50)).toEqual([]);
  });
});
