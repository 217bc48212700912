import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRetrySchedule } from '@partner-ledger/config';
import { DATABASE_FILE } from '@partner-ledger/config';
import { SqliteEventStore } from '@partner-ledger/event-store';
import {
  ADMIN_KEY,
  type AppName,
  AppProcess,
  CrashLoad,
  crash,
  DEFAULT_TEST_AMQP_URL,
  dropTopology,
  formatCrashFigures,
  probeBroker,
  reckonAfterCrashes,
  setUpCrashProgram,
  webhookReceiver,
  wholeLog,
  type WebhookReceiver,
  buildOnce,
} from '@partner-ledger/testing';

const AMQP_URL = process.env.AMQP_URL?.trim() || DEFAULT_TEST_AMQP_URL;
const RETRY_SCHEDULE = '200ms,500ms,1s';
/** Sales acknowledged before each kill, and after the last restart. */
const STEP = 30;
/**
 * Killed in this order, one each, under load: the worker while the publisher feeds it, the
 * publisher while the projector and the api work, the api last (its restart stops the load).
 */
const VICTIMS: AppName[] = ['delivery-worker', 'publisher', 'projector', 'api'];

/**
 * The crash suite in distributed mode: the api, projector, publisher and delivery worker as
 * separate processes (the built apps) with the webhook bus on the real RabbitMQ, the log and the
 * read models in one SQLite file they share (the EventStoreDB and MongoDB adapters have their
 * failover suite in test/distributed; their protocol doubles would take this past its time
 * budget). Each role in turn is SIGKILLed under load and started again (a restarted projector or
 * publisher takes its lease over once the dead holder's TTL has run out); the clients send again
 * whatever got no answer. Same assertions and figures as the embedded suite.
 */
describe('crash suite, distributed: kill -9 each role in turn under load', () => {
  let brokerDown: string | null = null;
  let receiver: WebhookReceiver | undefined;
  let dataDir: string | undefined;
  let prefix: string;
  const running = new Map<AppName, AppProcess>();
  let load: CrashLoad | undefined;
  /** Set once the suite ends: a process whose start was still under way is killed when it is ready. */
  let closing = false;

  beforeAll(async () => {
    brokerDown = await probeBroker(AMQP_URL);
    if (brokerDown && process.env.CI) throw new Error(`RabbitMQ is required in CI and unreachable at ${AMQP_URL}: ${brokerDown}`);
    if (brokerDown) return console.warn(`distributed crash suite skipped: RabbitMQ unreachable at ${AMQP_URL} (${brokerDown})`);
    await buildOnce();
    // Slow to answer, so that deliveries are in flight when a process dies.
    receiver = await webhookReceiver(() => 200, { delayMs: 150 });
    dataDir = mkdtempSync(join(tmpdir(), 'pl-crash-dist-'));
    prefix = `pltest.crash.${randomUUID().slice(0, 8)}`;
  }, 130_000);

  afterAll(async () => {
    load?.stop();
    closing = true;
    for (const p of running.values()) p.kill('SIGKILL');
    await Promise.all([...running.values()].map((p) => p.exited));
    if (!brokerDown) await dropTopology(AMQP_URL, prefix, parseRetrySchedule(RETRY_SCHEDULE)).catch(() => undefined);
    await receiver?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 20_000);

  it('loses nothing acknowledged, doubles nothing, and delivers every acknowledged conversion', async () => {
    if (brokerDown) return;
    const env = {
      AMQP_URL,
      AMQP_PREFIX: prefix,
      ADMIN_API_KEY: ADMIN_KEY,
      DATA_DIR: dataDir!,
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
      WEBHOOK_RETRY_SCHEDULE: RETRY_SCHEDULE,
      LEASE_TTL: '1500ms',
      LEASE_RENEW_INTERVAL: '300ms',
    };
    let generation = 0;
    const start = async (app: AppName) => {
      const proc = await AppProcess.start(app, `${app}-${++generation}`, env);
      if (closing) proc.kill('SIGKILL');
      running.set(app, proc);
      return proc;
    };
    await Promise.all((['api', 'projector', 'publisher', 'delivery-worker'] as const).map(start));
    const api = () => running.get('api')!;
    const program = await setUpCrashProgram(api().url, ADMIN_KEY, receiver!.url('/hooks'));
    load = new CrashLoad({ baseUrl: () => api().url, ...program, concurrency: 8, thinkMs: 100, approveEvery: 3, timeoutMs: 40_000 });
    const sending = load.run();
    sending.catch(() => undefined); // awaited below; a failure meanwhile rejects the waits for the next kill
    // The replacements start while the load goes on; only the api's stops it (the clients wait for it).
    const restarts: Promise<AppProcess>[] = [];
    for (const app of VICTIMS) {
      await load.untilMore(STEP);
      await crash(running.get(app)!);
      restarts.push(start(app));
    }
    await Promise.all(restarts);
    await load.untilMore(STEP);
    load.stop();
    await sending;

    const store = SqliteEventStore.open(join(dataDir!, DATABASE_FILE));
    const events = await wholeLog(store).finally(() => store.close());
    const { figures, problems } = await reckonAfterCrashes({ load, kills: VICTIMS.length, program, baseUrl: api().url, events, received: receiver!.got, webhookWaitMs: 15_000 });
    process.stdout.write(formatCrashFigures(`distributed, killed ${VICTIMS.join(', ')}`, figures));
    expect(problems.slice(0, 20)).toEqual([]);
    expect(figures.acknowledged).toBeGreaterThanOrEqual(STEP * (VICTIMS.length + 1));
    expect(figures).toMatchObject({ kills: VICTIMS.length, lost: 0, duplicated: 0, webhooksMissing: 0, webhooksUnexpected: 0, totalsDiffering: 0 });
  }, 55_000);
});
