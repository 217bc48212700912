import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_FILE } from '@partner-ledger/config';
import { SqliteEventStore } from '@partner-ledger/event-store';
import {
  ADMIN_KEY,
  AppProcess,
  CrashLoad,
  crash,
  formatCrashFigures,
  reckonAfterCrashes,
  setUpCrashProgram,
  webhookReceiver,
  wholeLog,
  type WebhookReceiver,
  buildOnce,
} from '@partner-ledger/testing';

/** Sales acknowledged before each kill, and after the last restart. */
const STEP = 60;
const KILLS = 3;

/**
 * The built engine (`npm start`) SIGKILLed three times while 8 clients send sales and approvals,
 * each time restarted on the same DATA_DIR; the clients send again whatever got no answer, as a
 * careful client does. Then: every acknowledged command is in the log exactly once, the totals
 * equal the events, and every acknowledged conversion's webhook arrived (deduplicated by
 * `webhook-id`). WEBHOOK_CLAIM_TTL is short so that deliveries a killed engine had taken are sent
 * again within the suite's time rather than after the default minute.
 */
describe('crash suite, embedded: kill -9 the engine under load', () => {
  let dataDir: string;
  let receiver: WebhookReceiver;
  let engine: AppProcess | undefined;

  beforeAll(async () => {
    await buildOnce();
    // Slow to answer, so that deliveries are in flight when a process dies.
    receiver = await webhookReceiver(() => 200, { delayMs: 150 });
    dataDir = mkdtempSync(join(tmpdir(), 'pl-crash-'));
  }, 130_000);

  afterAll(async () => {
    engine?.kill('SIGKILL');
    await engine?.exited;
    await receiver?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses nothing acknowledged, doubles nothing, and delivers every acknowledged conversion', async () => {
    const env = { DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN_KEY, WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8', WEBHOOK_RETRY_SCHEDULE: '200ms,500ms,1s', WEBHOOK_CLAIM_TTL: '2s' };
    let generation = 1;
    engine = await AppProcess.start('engine', 'engine-1', env);
    const program = await setUpCrashProgram(engine.url, ADMIN_KEY, receiver.url('/hooks'));
    const load = new CrashLoad({ baseUrl: () => engine!.url, ...program, concurrency: 8, thinkMs: 100, approveEvery: 3, timeoutMs: 40_000 });
    const sending = load.run();
    sending.catch(() => undefined); // awaited below; a failure meanwhile rejects the waits for the next kill
    for (let k = 1; k <= KILLS; k++) {
      await load.untilMore(STEP);
      await crash(engine);
      engine = await AppProcess.start('engine', `engine-${++generation}`, env);
    }
    await load.untilMore(STEP);
    load.stop();
    await sending;

    const store = SqliteEventStore.open(join(dataDir, DATABASE_FILE));
    const events = await wholeLog(store).finally(() => store.close());
    const { figures, problems } = await reckonAfterCrashes({ load, kills: KILLS, program, baseUrl: engine.url, events, received: receiver.got, webhookWaitMs: 15_000 });
    process.stdout.write(formatCrashFigures('embedded', figures));
    expect(problems.slice(0, 20)).toEqual([]);
    expect(figures.acknowledged).toBeGreaterThanOrEqual(STEP * (KILLS + 1));
    expect(figures.approvals).toBeGreaterThanOrEqual(Math.floor(figures.acknowledged / 3));
    expect(figures).toMatchObject({ kills: KILLS, lost: 0, duplicated: 0, webhooksMissing: 0, webhooksUnexpected: 0, totalsDiffering: 0 });
  }, 55_000);
});
