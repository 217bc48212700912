import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { type Bus, type Delivery, openBus } from '@partner-ledger/bus';
import { STATE_FILE, parseAllowedCidrs, parseRetrySchedule } from '@partner-ledger/config';
import { SqliteReadStore } from '@partner-ledger/read-store';
import { createProgram, DEFAULT_TEST_AMQP_URL, expectProblem, dropTopology, probeBroker, startTestEngine, type TestEngine, topicSchemaProblems, until } from '@partner-ledger/testing';
import { DeliveryWorker, guardedDispatcher } from '@partner-ledger/webhook-runtime';

const amqpUrl = process.env.AMQP_URL?.trim() || DEFAULT_TEST_AMQP_URL;
const unreachable = await probeBroker(amqpUrl);
/** Short steps, and enough of them (about 20 s) that the failing partner's first delivery is never dead-lettered here. */
const SCHEDULE = ['0', '100ms', '200ms', ...Array(20).fill('1s')].join(',');
/** Partner updates per partner after its creation: each partner's lane has 1 + UPDATES messages. */
const UPDATES = 6;

interface Request {
  path: string;
  partner: string;
  sequence: number;
  status: number;
  body: string;
  topic: string;
}

/**
 * A receiver that fails every delivery about one partner while `failing(partner)` says so, answers
 * after a few ms (so deliveries overlap when nothing orders them), and records per partner how
 * many of its deliveries were in flight at once.
 */
async function laneReceiver(failing: (partner: string) => boolean) {
  const requests: Request[] = [];
  const inFlight = new Map<string, number>();
  /** Per path: the most deliveries about one partner in flight at once. */
  const maxInFlight = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const parsed = JSON.parse(body) as { id: string; sequence: number };
      const partner = parsed.id;
      const path = req.url ?? '';
      const lane = `${path} ${partner}`;
      inFlight.set(lane, (inFlight.get(lane) ?? 0) + 1);
      maxInFlight.set(path, Math.max(maxInFlight.get(path) ?? 0, inFlight.get(lane)!));
      const status = path === '/ordered' && failing(partner) ? 503 : 200;
      setTimeout(() => {
        inFlight.set(lane, inFlight.get(lane)! - 1);
        requests.push({ path, partner, sequence: parsed.sequence, status, body, topic: String(req.headers['refersion-topic']) });
        res.writeHead(status).end(status === 200 ? 'ok' : 'down');
      }, 15);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    requests,
    maxInFlight: (path: string) => maxInFlight.get(path) ?? 0,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

type BusCase = { name: string; env: () => Record<string, string>; open: (engine: TestEngine) => Promise<Bus>; cleanup: () => Promise<void> };

const prefix = `pl-test-ordered-${randomUUID().slice(0, 8)}`;
const cases: BusCase[] = [
  {
    name: 'SQLite queue',
    env: () => ({}),
    open: (engine) => openBus({ dataDir: engine.dataDir, webhookRetrySchedule: parseRetrySchedule(SCHEDULE) }),
    cleanup: async () => undefined,
  },
];
if (unreachable) {
  console.warn(`ordered delivery on RabbitMQ skipped: the broker at 127.0.0.1:5672 is unreachable (${unreachable})`);
} else {
  cases.push({
    name: 'RabbitMQ',
    env: () => ({ AMQP_URL: amqpUrl, AMQP_PREFIX: prefix }),
    open: (engine) => openBus({ dataDir: engine.dataDir, amqpUrl, amqpPrefix: prefix, webhookRetrySchedule: parseRetrySchedule(SCHEDULE) }),
    cleanup: () => dropTopology(amqpUrl, prefix, parseRetrySchedule(SCHEDULE)),
  });
}

describe.each(cases)('ordered delivery per partner, two delivery workers, on the $name', (busCase) => {
  let engine: TestEngine;
  let sink: Awaited<ReturnType<typeof laneReceiver>>;
  let secondBus: Bus;
  let secondStore: SqliteReadStore;
  let second: DeliveryWorker;
  let secondHandled = 0;
  const dispatcher = guardedDispatcher({ allowed: parseAllowedCidrs('127.0.0.1/32') });
  let pid: string;
  let key: string;
  let ordered: string;
  const partners: Record<'ada' | 'bob', string> = { ada: '', bob: '' };
  /** Ada's deliveries fail until every one of Bob's is in and three of hers have failed. */
  let adaRecovered = false;

  const post = async (path: string, body?: unknown, method = 'POST') => {
    const res = await engine.call(method, `/v1/programs/${pid}${path}`, body, key);
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const to = (path: string, partner: string) => sink.requests.filter((r) => r.path === path && r.partner === partner);
  const lane = 1 + UPDATES;

  beforeAll(async () => {
    sink = await laneReceiver((partner) => {
      if (adaRecovered || partner !== partners.ada) return false;
      const bobDone = to('/ordered', partners.bob).filter((r) => r.status === 200).length === lane;
      const adaFailures = to('/ordered', partners.ada).filter((r) => r.status !== 200).length;
      if (bobDone && adaFailures >= 3) adaRecovered = true;
      return !adaRecovered;
    });
    engine = await startTestEngine({ env: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8', WEBHOOK_RETRY_SCHEDULE: SCHEDULE, ...busCase.env() } });
    // A second worker on its own bus connection and read store connection, as another process would have.
    secondBus = await busCase.open(engine);
    secondStore = SqliteReadStore.open(join(engine.dataDir, STATE_FILE));
    second = new (class extends DeliveryWorker {
      override deliver(delivery: Delivery) {
        secondHandled++;
        return super.deliver(delivery);
      }
    })(secondBus, secondStore, { dispatcher });
    await second.start();

    ({ id: pid, key } = await createProgram(engine));
    const topics = ['NEW_AFFILIATE', 'AFFILIATE_DETAILS_CHANGE'];
    ordered = (await post('/webhook-endpoints', { url: sink.url('/ordered'), topics, ordering: 'partner' })).id;
    await post('/webhook-endpoints', { url: sink.url('/unordered'), topics });
    partners.ada = (await post('/partners', { email: 'ada@example.com', name: 'Ada Lovelace', key: 'ADA' })).id;
    partners.bob = (await post('/partners', { email: 'bob@example.com', name: 'Bob Byron', key: 'BOB' })).id;
    for (let i = 1; i <= UPDATES; i++) {
      for (const id of [partners.ada, partners.bob]) await post(`/partners/${id}`, { details: { company: `Company ${i}` } }, 'PATCH');
    }
    await until(
      'every delivery to both endpoints',
      () => [partners.ada, partners.bob].every((p) => to('/ordered', p).filter((r) => r.status === 200).length === lane && to('/unordered', p).length === lane),
      45_000,
    );
  }, 60_000);

  afterAll(async () => {
    await second?.stop();
    await dispatcher.close();
    await secondBus?.close();
    await secondStore?.close();
    await engine?.stop();
    await sink?.close();
    await busCase.cleanup();
  });

  it("a failing partner's webhooks arrive in sequence order once it recovers, one at a time, while the other partner's arrive meanwhile", () => {
    const ada = to('/ordered', partners.ada);
    const bob = to('/ordered', partners.bob);
    // Every request about Ada, failed or not, in sequence order: a failing one is tried again before the next goes.
    expect(ada.map((r) => r.sequence)).toEqual([...ada.map((r) => r.sequence)].sort((a, b) => a - b));
    expect(ada.filter((r) => r.status === 200).map((r) => r.sequence)).toEqual(Array.from({ length: lane }, (_, i) => i + 1));
    expect(ada.filter((r) => r.status !== 200).every((r) => r.sequence === 1)).toBe(true);
    expect(ada.filter((r) => r.status !== 200).length).toBeGreaterThanOrEqual(3);
    // Bob's all arrived, in order, while Ada's first was still failing.
    expect(bob.map((r) => r.sequence)).toEqual(Array.from({ length: lane }, (_, i) => i + 1));
    const firstAdaSuccess = sink.requests.findIndex((r) => r.path === '/ordered' && r.partner === partners.ada && r.status === 200);
    const lastBob = sink.requests.findLastIndex((r) => r.path === '/ordered' && r.partner === partners.bob);
    expect(lastBob).toBeLessThan(firstAdaSuccess);
    // The bodies follow the events: Ada's creation, then her updates in order.
    expect(ada.filter((r) => r.status === 200).map((r) => r.topic)).toEqual(['NEW_AFFILIATE', ...Array(UPDATES).fill('AFFILIATE_DETAILS_CHANGE')]);
    expect(ada.filter((r) => r.status === 200 && r.topic === 'AFFILIATE_DETAILS_CHANGE').map((r) => JSON.parse(r.body).company)).toEqual(
      Array.from({ length: UPDATES }, (_, i) => `Company ${i + 1}`),
    );
  });

  it('both workers delivered, and no partner ever had two deliveries in flight to the ordered endpoint', () => {
    expect(secondHandled).toBeGreaterThan(0);
    const ordered = sink.requests.filter((r) => r.path === '/ordered');
    expect(ordered.length).toBeGreaterThan(2 * lane);
    expect(sink.maxInFlight('/ordered')).toBe(1);
  });

  it('every body about a partner carries its sequence, per partner and endpoint with no gaps, ordered or not; every body validates', () => {
    for (const path of ['/ordered', '/unordered']) {
      for (const partner of [partners.ada, partners.bob]) {
        const sequences = new Set(to(path, partner).map((r) => r.sequence));
        expect([...sequences].sort((a, b) => a - b)).toEqual(Array.from({ length: lane }, (_, i) => i + 1));
      }
    }
    expect(topicSchemaProblems(sink.requests.map((r) => ({ topic: r.topic, body: r.body })))).toEqual([]);
  });

  it("answers a partner's payloads after a sequence, in order, page by page, as they were sent", async () => {
    const page1 = await engine.call('GET', `/v1/programs/${pid}/webhook-endpoints/${ordered}/messages?partnerId=${partners.ada}&afterSequence=3&limit=2`, undefined, key);
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((m: { sequence: number }) => m.sequence)).toEqual([4, 5]);
    const page2 = await engine.call(
      'GET',
      `/v1/programs/${pid}/webhook-endpoints/${ordered}/messages?partnerId=${partners.ada}&afterSequence=3&limit=2&cursor=${page1.body.nextCursor}`,
      undefined,
      key,
    );
    expect(page2.body.items.map((m: { sequence: number }) => m.sequence)).toEqual([6, 7]);
    expect(page2.body.nextCursor).toBeNull();
    const sent = new Map(to('/ordered', partners.ada).map((r) => [r.sequence, JSON.parse(r.body)]));
    for (const m of [...page1.body.items, ...page2.body.items]) {
      expect(m).toMatchObject({ partnerId: partners.ada, topic: 'AFFILIATE_DETAILS_CHANGE', webhookId: expect.stringMatching(/^msg_/) });
      expect(m.payload).toEqual(sent.get(m.sequence));
    }
  });

  it('refuses an ordering mode that does not exist, and a messages query without a partner or with a bad sequence, with 400 naming the field; nothing saved', async () => {
    const endpoints = async () => (await engine.call('GET', `/v1/programs/${pid}/webhook-endpoints`, undefined, key)).body.items;
    const before = await endpoints();
    expect(before.map((e: { ordering: string }) => e.ordering)).toEqual(['partner', 'none']);
    for (const ordering of ['global', 'PARTNER', 1, null]) {
      expectProblem(await engine.call('POST', `/v1/programs/${pid}/webhook-endpoints`, { url: sink.url('/x'), topics: ['ALL'], ordering }, key), 400, 'validation_failed', 'ordering');
    }
    expectProblem(await engine.call('PATCH', `/v1/programs/${pid}/webhook-endpoints/${ordered}`, { ordering: 'fifo', description: 'changed' }, key), 400, 'validation_failed', 'ordering');
    expect(await endpoints()).toEqual(before);
    const messages = `/v1/programs/${pid}/webhook-endpoints/${ordered}/messages`;
    expectProblem(await engine.call('GET', messages, undefined, key), 400, 'missing_partner', 'partnerId');
    for (const after of ['-1', '1.5', 'x', ''])
      expectProblem(await engine.call('GET', `${messages}?partnerId=${partners.ada}&afterSequence=${after}`, undefined, key), 400, 'invalid_after_sequence', 'afterSequence');
    expect((await engine.call('GET', `/v1/programs/${pid}/webhook-endpoints/whe_nope/messages?partnerId=${partners.ada}`, undefined, key)).status).toBe(404);
  });
});
