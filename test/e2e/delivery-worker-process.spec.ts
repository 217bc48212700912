import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteBus } from '@partner-ledger/bus';
import { STATE_FILE } from '@partner-ledger/config';
import { SqliteReadStore } from '@partner-ledger/read-store';
import { EndpointRepository, newWebhookEndpoint } from '@partner-ledger/webhook-runtime';
import { buildOnce } from '@partner-ledger/testing';

const root = new URL('../../', import.meta.url).pathname;

/** `apps/delivery-worker` as its own process, on the SQLite queue of a DATA_DIR. */
describe('the delivery worker process', () => {
  let dir: string;
  let server: Server;
  const got: string[] = [];
  beforeAll(async () => {
    await buildOnce();
    dir = mkdtempSync(join(tmpdir(), 'pl-worker-'));
    server = createServer((req, res) => {
      got.push(String(req.headers['webhook-id']));
      req.resume();
      res.writeHead(200).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  }, 130_000);
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers what is queued in the SQLite file, answers /health, and stops cleanly on SIGTERM', async () => {
    // Where the worker's DATA_DIR keeps its queue and endpoints.
    const file = join(dir, STATE_FILE);
    const store = SqliteReadStore.open(file);
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    await new EndpointRepository(store).save(newWebhookEndpoint({ id: 'whe_w', programId: 'prg', url, topics: ['ALL'] }));
    const bus = SqliteBus.open(file);
    await bus.publish(Array.from({ length: 50 }, (_, i) => ({ messageId: `evt-${i}`, topic: 'NEW_AFFILIATE', endpointId: 'whe_w', body: `{"i":${i}}` })));

    const child = spawn(process.execPath, ['dist/apps/delivery-worker/src/main.js'], {
      cwd: root,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 143 : null))));
    try {
      const end = Date.now() + 20_000;
      while (new Set(got).size < 50 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(new Set(got).size).toBe(50);
      expect(got).toHaveLength(50);
      const port = JSON.parse(out.split('\n').find((l) => l.includes('delivery worker running')) ?? '{}').port;
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', checks: { bus: { status: 'ok' }, 'read-store': { status: 'ok' } } });
      expect((await bus.stats()).ready).toBe(0);
    } finally {
      child.kill('SIGTERM');
      expect([0, 143]).toContain(await exited);
      expect(out).not.toMatch(/"level":(50|60)/);
      await bus.close();
      await store.close();
    }
  }, 60_000);
});
