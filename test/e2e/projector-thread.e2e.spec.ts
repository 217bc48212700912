import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY, AppProcess, CLEAN_SIGTERM_EXITS, buildOnce, until } from '@partner-ledger/testing';

/**
 * PROJECTOR_THREAD=webhooks: the built engine runs its projections on the first webhook thread, and
 * the main thread's read side follows the checkpoints that thread commits. A query naming the
 * position of a write it must see (`minPosition`) reads it; /health reports both threads.
 */
describe('the engine with its projections on the webhook thread', () => {
  let engine: AppProcess;
  let dataDir: string;
  let pid: string;
  let key: string;
  const call = (method: string, path: string, body?: unknown, bearer = key) => engine.call(method, path, body, bearer);

  beforeAll(async () => {
    await buildOnce();
    dataDir = mkdtempSync(join(tmpdir(), 'pl-projector-thread-'));
    engine = await AppProcess.start('engine', 'engine', { DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN_KEY, PROJECTOR_THREAD: 'webhooks' });
    const program = await call('POST', '/v1/programs', { name: 'Projector thread', currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' } }, ADMIN_KEY);
    expect(program.status).toBe(201);
    ({ id: pid, apiKey: key } = program.body as { id: string; apiKey: string });
    expect((await call('POST', `/v1/programs/${pid}/partners`, { email: 'ada@example.com', name: 'Ada', key: 'ADA' })).status).toBe(201);
    expect((await call('POST', `/v1/programs/${pid}/customers`, { email: 'c1@example.com', name: 'C1', key: 'c1', partner: { key: 'ADA' } })).status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    if (engine && engine.child.exitCode === null) {
      engine.child.kill('SIGKILL');
      await engine.exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads its own writes: each sale, queried at its position, is in the read models at once', async () => {
    for (let i = 1; i <= 20; i++) {
      const sale = await call('POST', `/v1/programs/${pid}/transactions`, { customerKey: 'c1', amount: '100.00', key: `t${i}` });
      expect(sale.status).toBe(201);
      const found = await call('GET', `/v1/programs/${pid}/conversions?transactionKey=t${i}&minPosition=${sale.body.position}`);
      expect([i, found.status, found.body.items.length]).toEqual([i, 200, 1]);
    }
    const totals = await call('GET', `/v1/programs/${pid}/partners?minPosition=0`);
    expect(totals.status).toBe(200);
  });

  it('reports both threads healthy in /health, the projections caught up', async () => {
    const health = await engine.health();
    expect(health.status).toBe(200);
    expect(health.body.checks['webhook-threads']).toEqual({ status: 'ok', detail: '1 running' });
    // Caught up: no projection is behind the log (a stalled projector would show here as "catching up").
    await until('the projections at the head of the log', async () => (await engine.health()).body.checks.projections.detail === undefined, 5_000);
    expect((await engine.health()).body.checks.projections).toEqual({ status: 'ok' });
  });

  it('stops on SIGTERM with the projections’ checkpoints saved', async () => {
    expect(CLEAN_SIGTERM_EXITS).toContainEqual(await engine.terminate());
    expect(engine.lines().filter((l) => l.level >= 50)).toEqual([]);
    // Started again on the same file, the projections resume where they stopped: nothing to catch up.
    engine = await AppProcess.start('engine', 'engine', { DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN_KEY, PROJECTOR_THREAD: 'webhooks' });
    const found = await call('GET', `/v1/programs/${pid}/conversions?transactionKey=t20&minPosition=0`);
    expect([found.status, found.body.items.length]).toEqual([200, 1]);
    const health = await engine.health();
    expect([health.status, health.body.checks.projections.status]).toEqual([200, 'ok']);
  });
});
