import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, connectRabbitMq, type Delivery, type OutgoingMessage, SqliteBus } from '@partner-ledger/bus';
import { parseAllowedCidrs } from '@partner-ledger/config';
import { connectMongoReadStore, type ReadStore, SqliteReadStore } from '@partner-ledger/read-store';
import { DEFAULT_TEST_AMQP_URL, dropTopology, type MongoDbDouble, probeBroker, startMongoDbDouble, topicSchemaProblems } from '@partner-ledger/testing';
import { webhookIdFor } from '@partner-ledger/webhooks';
import { EndpointRepository, newWebhookEndpoint, type WebhookEndpoint } from '../endpoints/endpoint-repository.js';
import { guardedDispatcher } from '../ssrf.js';
import { DeliveryLog } from './delivery-log.js';
import { DeliveryWorker } from './delivery-worker.js';

const AMQP_URL = process.env.AMQP_URL ?? DEFAULT_TEST_AMQP_URL;
const SCHEDULE = [500, 2_500, 5_000];

/** A loopback receiver that notes when each request arrived (its headers) and when it answered. */
async function receiver(answer: (n: number) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 })) {
  const got: { at: number; answeredAt: number; status: number; headers: IncomingHttpHeaders }[] = [];
  const server: Server = createServer((req, res) => {
    const at = Date.now();
    req.resume();
    req.on('end', () => {
      const { status, headers } = answer(got.length + 1);
      const entry = { at, answeredAt: 0, status, headers: req.headers };
      got.push(entry);
      res.writeHead(status, headers ?? {}).end(status < 300 ? 'ok' : 'slow down');
      entry.answeredAt = Date.now();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    got,
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const message = (endpointId: string, i: number): OutgoingMessage => ({ messageId: `evt_${randomUUID()}_${i}`, topic: 'NEW_AFFILIATE', endpointId, body: JSON.stringify({ id: `par_${i}` }) });

/** Two delivery workers, each with its own bus connection and its own store connection: what two processes have. */
interface Setup {
  name: string;
  buses: Bus[];
  stores: ReadStore[];
  close(): Promise<void>;
}

const setups: [string, () => Promise<Setup | null>][] = [
  [
    'embedded: SQLite queue and read store in one file',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pl-throttle-'));
      const file = join(dir, 'engine.db');
      const stores = [SqliteReadStore.open(file), SqliteReadStore.open(file)];
      const buses = [SqliteBus.open(file, { retrySchedule: SCHEDULE, pollIntervalMs: 20 }), SqliteBus.open(file, { retrySchedule: SCHEDULE, pollIntervalMs: 20 })];
      return {
        name: 'sqlite',
        buses,
        stores,
        async close() {
          for (const b of buses) await b.close();
          for (const s of stores) await s.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  ],
  [
    'distributed: RabbitMQ and MongoDB (protocol double)',
    async () => {
      const down = await probeBroker(AMQP_URL);
      if (down && process.env.CI) throw new Error(`RabbitMQ is required in CI and unreachable at ${AMQP_URL}: ${down}`);
      if (down) {
        console.warn(`endpoint throttle on RabbitMQ skipped: RabbitMQ unreachable at ${AMQP_URL} (${down})`);
        return null;
      }
      const prefix = `pltest.throttle.${randomUUID().slice(0, 8)}`;
      const double: MongoDbDouble = await startMongoDbDouble();
      const url = double.url.replace('/?', '/throttle?');
      const stores: ReadStore[] = [await connectMongoReadStore(url), await connectMongoReadStore(url)];
      const buses: Bus[] = [await connectRabbitMq(AMQP_URL, { prefix, retrySchedule: SCHEDULE }), await connectRabbitMq(AMQP_URL, { prefix, retrySchedule: SCHEDULE })];
      return {
        name: 'rabbitmq',
        buses,
        stores,
        async close() {
          for (const b of buses) await b.close();
          await dropTopology(AMQP_URL, prefix, SCHEDULE).catch(() => undefined);
          for (const s of stores) await s.close();
          await double.close();
        },
      };
    },
  ],
];

describe.each(setups)('endpoint throttle across two delivery workers, %s', (_name, open) => {
  let setup: Setup | null = null;
  let workers: DeliveryWorker[] = [];
  const dispatcher = guardedDispatcher({ allowed: parseAllowedCidrs('127.0.0.0/8') });

  beforeAll(async () => {
    setup = await open();
    if (!setup) return;
    workers = setup.buses.map((bus, i) => new DeliveryWorker(bus, setup!.stores[i], { dispatcher, concurrency: 64 }));
    await Promise.all(workers.map((w) => w.start()));
  }, 30_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await setup?.close();
    await dispatcher.close();
  }, 30_000);

  async function endpoint(url: string, fields: Partial<WebhookEndpoint> = {}): Promise<WebhookEndpoint> {
    const e = { ...newWebhookEndpoint({ id: `whe_${randomUUID().slice(0, 8)}`, programId: 'prg_throttle', url, topics: ['ALL'] }), ...fields };
    await new EndpointRepository(setup!.stores[0]).save(e);
    return e;
  }

  it('a receiver answering 429 with Retry-After: 2 is not sent to again before that time, by either worker', async () => {
    if (!setup) return;
    const sink = await receiver((n) => (n === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 }));
    try {
      const e = await endpoint(sink.url);
      const first = message(e.id, 0);
      await setup.buses[0].publish([first]);
      // The 429 is in the log once the pause is stored (the worker records the pause first).
      const log = new DeliveryLog(setup.stores[0]);
      await until('the 429 logged', async () => (await log.get(DeliveryLog.idOf(e.id, webhookIdFor(first.messageId, e.id))))?.attempts[0]?.status === 429);
      const pausedFrom = sink.got[0].answeredAt;
      await setup.buses[1].publish([1, 2, 3, 4, 5].map((i) => message(e.id, i)));
      await until('all six delivered', () => new Set(sink.got.filter((g) => g.status === 200).map((g) => g.headers['webhook-id'])).size === 6);
      const later = sink.got.slice(1);
      expect(later).toHaveLength(6);
      for (const g of later) expect(g.at).toBeGreaterThanOrEqual(pausedFrom + 2_000);
    } finally {
      await sink.close();
    }
  }, 40_000);

  it('an endpoint with rateLimit 20 gets at most 20 requests in any one second from the two workers together', async () => {
    if (!setup) return;
    const sink = await receiver();
    try {
      const e = await endpoint(sink.url, { rateLimit: 20 });
      const messages = Array.from({ length: 70 }, (_, i) => message(e.id, i));
      await setup.buses[0].publish(messages.slice(0, 35));
      await setup.buses[1].publish(messages.slice(35));
      await until('all 70 delivered', () => new Set(sink.got.map((g) => g.headers['webhook-id'])).size === 70, 40_000);
      const arrivals = sink.got.map((g) => g.at).sort((a, b) => a - b);
      // Every window of one second starting at an arrival (the fullest windows start at one).
      const busiest = Math.max(...arrivals.map((t) => arrivals.filter((u) => u >= t && u < t + 1_000).length));
      expect(busiest).toBeLessThanOrEqual(20);
      // Both workers sent (the limit held across them, not inside one).
      expect(sink.got.length).toBe(70);
    } finally {
      await sink.close();
    }
  }, 50_000);
});

describe('the circuit breaker, on an injected clock', () => {
  const store = SqliteReadStore.open(':memory:');
  const dispatcher = guardedDispatcher({ allowed: parseAllowedCidrs('127.0.0.0/8') });
  const published: OutgoingMessage[] = [];
  const bus = { retrySchedule: [100, 1_000], publish: async (m: OutgoingMessage[]) => void published.push(...m) } as unknown as Bus;
  let status = 500;
  let sink: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => {
    sink = await receiver(() => ({ status }));
  });
  afterAll(async () => {
    await sink.close();
    await dispatcher.close();
    await store.close();
  });

  it('opens after WEBHOOK_CIRCUIT_FAILURES failures in a row, sends nothing until the probe interval, probes, and closes on success; each change logged and published', async () => {
    let now = Date.parse('2026-03-01T09:00:00Z');
    const worker = new DeliveryWorker(bus, store, { dispatcher, now: () => new Date(now), gate: { circuitFailures: 3, probeIntervalMs: 60_000 } });
    const repo = new EndpointRepository(store);
    const failing = newWebhookEndpoint({ id: 'whe_failing', programId: 'prg_c', url: sink.url, topics: ['ALL'] });
    const watcher = newWebhookEndpoint({ id: 'whe_watcher', programId: 'prg_c', url: 'https://ops.example/hook', topics: ['ENDPOINT_CIRCUIT_OPENED', 'ENDPOINT_CIRCUIT_CLOSED'] });
    const other = newWebhookEndpoint({ id: 'whe_other', programId: 'prg_c', url: 'https://other.example/hook', topics: ['NEW_AFFILIATE'] });
    for (const e of [failing, watcher, other]) await repo.save(e);
    let i = 0;
    const delivery = (): Delivery => ({ ...message(failing.id, i++), attempt: 1, retryStep: 0, firstEnqueuedAt: new Date(now), redelivered: false });

    // Three failures in a row open it.
    for (let n = 0; n < 3; n++) expect(await worker.deliver(delivery())).toMatchObject({ kind: 'retry', reason: 'HTTP 500' });
    expect(sink.got).toHaveLength(3);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ topic: 'ENDPOINT_CIRCUIT_OPENED', endpointId: watcher.id });
    expect(JSON.parse(published[0].body)).toEqual({
      endpoint_id: failing.id,
      url: sink.url,
      state: 'OPEN',
      consecutive_failures: 3,
      changed: '2026-03-01 09:00:00',
      next_probe: '2026-03-01 09:01:00',
      reason: '3 failed attempts in a row: nothing is sent until a probe succeeds',
    });

    // Open: nothing is sent; deliveries go back to the bus, untried, until the probe time.
    now += 59_000;
    expect(await worker.deliver(delivery())).toMatchObject({ kind: 'defer', delayMs: 1_000 });
    expect(sink.got).toHaveLength(3);

    // The probe fails: open for another interval, no new change.
    now += 1_000;
    expect(await worker.deliver(delivery())).toMatchObject({ kind: 'retry' });
    expect(sink.got).toHaveLength(4);
    expect(await worker.deliver(delivery())).toMatchObject({ kind: 'defer', delayMs: 60_000 });
    expect(published).toHaveLength(1);

    // The receiver recovers; the next probe succeeds and closes it; deliveries flow again.
    status = 200;
    now += 60_000;
    expect(await worker.deliver(delivery())).toEqual({ kind: 'ack' });
    expect(await worker.deliver(delivery())).toEqual({ kind: 'ack' });
    expect(sink.got).toHaveLength(6);
    expect(published.map((m) => m.topic)).toEqual(['ENDPOINT_CIRCUIT_OPENED', 'ENDPOINT_CIRCUIT_CLOSED']);
    expect(JSON.parse(published[1].body)).toMatchObject({ state: 'CLOSED', consecutive_failures: 0, changed: '2026-03-01 09:02:00', next_probe: null });
    expect(topicSchemaProblems(published)).toEqual([]);

    // Both changes are in the failing endpoint's deliveries log, as events.
    const events = await new DeliveryLog(store).page(failing.id, { status: 'event' }, undefined, 10);
    expect(events.map((d) => [d.topic, d.createdAt, d.attempts.length])).toEqual([
      ['ENDPOINT_CIRCUIT_CLOSED', '2026-03-01T09:02:00.000Z', 0],
      ['ENDPOINT_CIRCUIT_OPENED', '2026-03-01T09:00:00.000Z', 0],
    ]);
    expect(JSON.parse(events[1].body)).toMatchObject({ state: 'OPEN' });
  });
});
