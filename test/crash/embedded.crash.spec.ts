import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DATABASE_FILE } from '@partner-ledger/config';
import { SqliteEventStore } from '@partner-ledger/event-store';
import {
  ADMIN_KEY,
  AppProcess,
  CRASH_WEBHOOK_TOPICS,
  CrashLoad,
  crashAndRestart,
  formatCrashFigures,
  missingWebhooks,
  reckonCrashRun,
  until,
  webhookReceiver,
  wholeLog,
  type WebhookReceiver,
} from '@partner-ledger/testing';

const SALES = 240;
const KILLS = 3;

/**
 * The built engine (`npm start`) SIGKILLed three times while 16 clients send sales and approvals,
 * each restarted on the same DATA_DIR; the clients send again whatever got no answer, as a careful
 * client does. Then: every acknowledged command is in the log exactly once, the totals equal the
 * events, and every acknowledged conversion's webhook arrived (deduplicated by `webhook-id`).
 */
describe('crash suite, embedded: kill -9 the engine under load', () => {
  let dataDir: string;
  let receiver: WebhookReceiver;
  let engine: AppProcess | undefined;

  beforeAll(async () => {
    await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: new URL('../../', import.meta.url).pathname, timeout: 120_000 });
    receiver = await webhookReceiver();
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
    const admin = async (path: string, body: unknown, key = ADMIN_KEY) => {
      const res = await fetch(engine!.url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
      const json = (await res.json()) as Record<string, any>;
      if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const program = await admin('/v1/programs', { name: 'Crash', currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' }, tiers: [{ level: 2, amount: '2.5' }] });
    const [pid, key] = [program.id as string, program.apiKey as string];
    const endpoint = await admin(`/v1/programs/${pid}/webhook-endpoints`, { url: receiver.url('/hooks'), topics: CRASH_WEBHOOK_TOPICS }, key);
    const customers: string[] = [];
    for (let i = 0; i < 4; i++) {
      await admin(`/v1/programs/${pid}/partners`, { email: `p${i}@example.com`, name: `P${i}`, key: `P${i}`, ...(i > 0 ? { referringPartnerKey: 'P0' } : {}) }, key);
      await admin(`/v1/programs/${pid}/customers`, { email: `c${i}@example.com`, name: `C${i}`, key: `c${i}`, partner: { key: `P${i}` } }, key);
      customers.push(`c${i}`);
    }

    const load = new CrashLoad({ baseUrl: () => engine!.url, programId: pid, key, customers, sales: SALES, concurrency: 16, approveEvery: 3, timeoutMs: 40_000 });
    const running = load.run();
    for (let k = 1; k <= KILLS; k++) {
      await load.untilAcknowledged(Math.floor((SALES * k) / (KILLS + 1)));
      engine = await crashAndRestart(engine, () => AppProcess.start('engine', `engine-${++generation}`, env));
    }
    await running;

    const store = SqliteEventStore.open(join(dataDir, DATABASE_FILE));
    const events = await wholeLog(store).finally(() => store.close());
    const last = events[events.length - 1].position;
    const totals = await until('the totals at the last position', async () => {
      const res = await fetch(`${engine!.url}/v1/programs/${pid}/commission-totals?limit=100&minPosition=${last}`, { headers: { authorization: `Bearer ${key}` } });
      return res.status === 200 && ((await res.json()) as Parameters<typeof reckonCrashRun>[0]['totals']);
    });
    await until('every acknowledged conversion’s webhook', () => missingWebhooks(load, pid, endpoint.id, events, receiver.got) === 0, 15_000).catch(() => undefined);
    const { figures, problems } = reckonCrashRun({ load, kills: KILLS, programId: pid, endpointId: endpoint.id, events, received: receiver.got, totals });
    process.stdout.write(formatCrashFigures('embedded', figures));
    expect(problems.slice(0, 20)).toEqual([]);
    expect(figures).toMatchObject({ kills: KILLS, acknowledged: SALES, lost: 0, duplicated: 0, webhooksMissing: 0, webhooksUnexpected: 0, totalsDiffering: 0 });
    expect(figures.approvals).toBe(SALES / 3);
  }, 55_000);
});
