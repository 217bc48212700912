import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connectRabbitMq } from '@partner-ledger/bus';
import { SqliteReadStore } from '@partner-ledger/read-store';
import { DeliveryLog, EndpointRepository, newWebhookEndpoint } from '@partner-ledger/webhook-runtime';
import { DEFAULT_TEST_AMQP_URL, dropTopology, probeBroker, buildOnce } from '@partner-ledger/testing';
import { webhookIdFor } from '@partner-ledger/webhooks';

const root = new URL('../../', import.meta.url).pathname;
const url = process.env.AMQP_URL?.trim() || DEFAULT_TEST_AMQP_URL;
const unreachable = await probeBroker(url);
const SCHEDULE = [60_000];
const MESSAGES = 300;
/** The worker's default bus concurrency (RabbitMQ prefetch): what one worker holds unacked at most. */
const PREFETCH = 128;

/** A real delivery worker process (the built libraries) on RabbitMQ, its acknowledgements batched over `ackBatchMs`. */
const WORKER = `
const dist = ${JSON.stringify(join(root, 'dist/libs'))};
const [{ connectRabbitMq }, { SqliteReadStore }, { DeliveryWorker, guardedDispatcher }, { parseAllowedCidrs }] = await Promise.all(
  ['bus', 'read-store', 'webhook-runtime', 'config'].map((lib) => import(dist + '/' + lib + '/src/index.js')),
);
const { amqpUrl, prefix, schedule, file, ackBatchMs } = JSON.parse(process.argv[2]);
const bus = await connectRabbitMq(amqpUrl, { prefix, retrySchedule: schedule, ackBatchMs });
const store = SqliteReadStore.open(file);
const dispatcher = guardedDispatcher({ allowed: parseAllowedCidrs('127.0.0.0/8') });
// Long timeouts: an attempt the receiver holds stays in flight (and its lane healthy) until the kill.
const worker = new DeliveryWorker(bus, store, { dispatcher, timeoutMs: 60_000, slowAttemptMs: 60_000 });
await worker.start();
process.on('SIGTERM', async () => { await worker.stop(); await bus.close(); await dispatcher.close(); await store.close(); process.exit(0); });
process.stdout.write('ready\\n');
`;

(unreachable ? describe.skip : describe)('batched acknowledgements on RabbitMQ (a worker killed mid-batch)', () => {
  let dir: string;
  let server: Server;
  let script: string;
  /** webhook-id → POSTs received. */
  const got = new Map<string, number>();
  /** webhook-ids the receiver holds unanswered while `holding`. */
  const held = new Set<string>();
  let holding = false;
  const run = `pl-test-ackbatch-${randomUUID().slice(0, 8)}`;
  const prefixes: string[] = [];
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    await buildOnce();
    dir = mkdtempSync(join(tmpdir(), 'pl-ackbatch-'));
    script = join(dir, 'worker.mjs');
    writeFileSync(script, WORKER);
    server = createServer((req, res) => {
      const id = String(req.headers['webhook-id']);
      got.set(id, (got.get(id) ?? 0) + 1);
      req.resume();
      if (holding && held.has(id)) return; // in flight until the worker dies
      req.on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  }, 130_000);
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    for (const prefix of prefixes) await dropTopology(url, prefix, SCHEDULE).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  async function startWorker(prefix: string, file: string, ackBatchMs: number): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
    const child = spawn(process.execPath, [script, JSON.stringify({ amqpUrl: url, prefix, schedule: SCHEDULE, file, ackBatchMs })], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(child);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => line === 'ready' && resolve());
      void exited.then((code) => reject(new Error(`worker exited (${code}) before it was ready`)));
    });
    return { child, exited };
  }

  async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** A fresh bus prefix and SQLite file with one endpoint at the receiver and MESSAGES deliveries queued. */
  async function queued(name: string) {
    const prefix = `${run}.${name}`;
    prefixes.push(prefix);
    got.clear();
    const file = join(dir, `${name}.db`);
    const store = SqliteReadStore.open(file);
    const receiver = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    await new EndpointRepository(store).save(newWebhookEndpoint({ id: 'whe_ackbatch', programId: 'prg', url: receiver, topics: ['ALL'] }));
    const bus = await connectRabbitMq(url, { prefix, retrySchedule: SCHEDULE });
    const ids = Array.from({ length: MESSAGES }, (_, i) => `evt-${i}`);
    await bus.publish(ids.map((messageId, i) => ({ messageId, topic: 'NEW_AFFILIATE', endpointId: 'whe_ackbatch', body: `{"id":"par_${i}"}` })));
    const log = new DeliveryLog(store);
    const webhookIds = ids.map((id) => webhookIdFor(id, 'whe_ackbatch'));
    const recordIds = webhookIds.map((w) => DeliveryLog.idOf('whe_ackbatch', w));
    return {
      prefix,
      file,
      bus,
      webhookIds,
      /** Deliveries with a record in the log. */
      logged: async () => (await store.getMany('config', 'webhook_deliveries', recordIds)).size,
      /** Each delivery's [status, attempts logged]. */
      records: async () => Promise.all(recordIds.map(async (id) => ((r) => [r?.status, r?.attempts.length])(await log.get(id)))),
      /** Worker B finishes the queue, and is stopped cleanly; then nothing is left on it. */
      async finishWithAnotherWorker() {
        const b = await startWorker(prefix, file, 0);
        await until('every delivery answered and in the log', async () => got.size === MESSAGES && (await this.logged()) === MESSAGES, 60_000);
        b.child.kill('SIGTERM');
        expect(await b.exited).toBe(0);
        // B sent every ack it held when it stopped: nothing is handed out again.
        const after = await connectRabbitMq(url, { prefix, retrySchedule: SCHEDULE });
        let again = 0;
        const consumer = after.consume(async () => (again++, { kind: 'ack' as const }), { concurrency: 10 });
        await consumer.ready;
        await new Promise((r) => setTimeout(r, 500));
        await after.close();
        expect(again).toBe(0);
        expect(await bus.stats()).toEqual({ ready: 0, delayed: 0, dead: 0 });
      },
      close: async () => {
        await bus.close();
        await store.close();
      },
    };
  }

  it('acks held by a worker killed mid-batch are not lost: their deliveries, logged, are handed out again and sent again', async () => {
    const q = await queued('held');
    try {
      // Worker A holds its acknowledgements for a minute: it sends and logs a prefetch's worth and
      // has nothing acked (so the broker hands it no more). Killed mid-batch.
      const a = await startWorker(q.prefix, q.file, 60_000);
      await until('worker A to send and log a prefetch of deliveries', async () => got.size >= PREFETCH && (await q.logged()) >= PREFETCH);
      await new Promise((r) => setTimeout(r, 300));
      expect(got.size).toBe(PREFETCH);
      a.child.kill('SIGKILL');
      await a.exited;
      const sentByA = new Set(got.keys());

      // Worker B: the broker hands it A's deliveries again (redelivered) with the rest.
      await q.finishWithAnotherWorker();
      // Each reached the receiver: A's twice (same webhook-id: receivers deduplicate), the rest once.
      expect(q.webhookIds.map((w) => got.get(w))).toEqual(q.webhookIds.map((w) => (sentByA.has(w) ? 2 : 1)));
      // Every attempt is in the log: A's deliveries show A's attempt and B's.
      expect(await q.records()).toEqual(q.webhookIds.map((w) => ['delivered', sentByA.has(w) ? 2 : 1]));
    } finally {
      await q.close();
    }
  }, 120_000);

  it('a batch never acks a delivery still in flight: a worker killed with attempts held open loses none of them', async () => {
    const q = await queued('in-flight');
    // The receiver holds a few early deliveries unanswered: every later one finishes before them
    // and is acked in batches around them (an ack with `multiple` past one would lose it).
    for (const i of [2, 40, 41, 97]) held.add(q.webhookIds[i]);
    holding = true;
    try {
      const a = await startWorker(q.prefix, q.file, 20);
      await until('worker A to send every delivery, and log all but the held ones', async () => got.size === MESSAGES && (await q.logged()) === MESSAGES - held.size, 60_000);
      await new Promise((r) => setTimeout(r, 300)); // A's batches sent
      a.child.kill('SIGKILL');
      await a.exited;
      holding = false;

      await q.finishWithAnotherWorker();
      // The held ones were sent again and answered; every other went once.
      expect(q.webhookIds.map((w) => got.get(w))).toEqual(q.webhookIds.map((w) => (held.has(w) ? 2 : 1)));
      // A's held attempts never ended (no answer, no log); B's did.
      expect(await q.records()).toEqual(q.webhookIds.map(() => ['delivered', 1]));
    } finally {
      holding = false;
      await q.close();
    }
  }, 120_000);
});
