import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { Bus, Delivery } from '@partner-ledger/bus';
import { SqliteReadStore } from '@partner-ledger/read-store';
import { EndpointRepository, newWebhookEndpoint, type WebhookEndpoint } from '../endpoints/endpoint-repository.js';
import { newWebhookSecret, webhookIdFor } from '@partner-ledger/webhooks';
import { parseAllowedCidrs } from '@partner-ledger/config';
import { guardedDispatcher } from '../ssrf.js';
import { DeliveryLog } from './delivery-log.js';
import { AUTO_DISABLE_AFTER_MS, DeliveryWorker, MAX_WAITING_PER_ENDPOINT } from './delivery-worker.js';

/** `deliver` decides one attempt; of the bus it reads only the retry schedule (to log the last attempt as dead). */
const noBus = { retrySchedule: [100, 1_000] } as unknown as Bus;

describe('DeliveryWorker.deliver against a loopback receiver', () => {
  let server: Server;
  let url: string;
  let respond: (res: import('node:http').ServerResponse) => void = (res) => res.writeHead(200).end('ok');
  const store = SqliteReadStore.open(':memory:');
  const endpoints = new EndpointRepository(store);
  const dispatcher = guardedDispatcher({ allowed: parseAllowedCidrs('127.0.0.0/8') });
  const log = new DeliveryLog(store);

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => respond(res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await dispatcher.close();
    await store.close();
  });

  async function endpoint(overrides: Partial<WebhookEndpoint> = {}): Promise<WebhookEndpoint> {
    const e: WebhookEndpoint = { ...newWebhookEndpoint({ id: `whe_${Math.random().toString(36).slice(2)}`, programId: 'prg', url, topics: ['ALL'] }), ...overrides };
    await endpoints.save(e);
    return e;
  }
  const delivery = (endpointId: string, attempt = 1): Delivery => ({
    messageId: 'evt-1',
    endpointId,
    topic: 'NEW_AFFILIATE',
    body: '{"id":"p1"}',
    attempt,
    retryStep: attempt - 1,
    firstEnqueuedAt: new Date(),
    redelivered: false,
  });

  it('honours Retry-After and logs the attempt with status, latency and the first KiB of the answer', async () => {
    const e = await endpoint();
    respond = (res) => res.writeHead(503, { 'retry-after': '7' }).end('x'.repeat(5000));
    const outcome = await new DeliveryWorker(noBus, store, { dispatcher }).deliver(delivery(e.id));
    expect(outcome).toEqual({ kind: 'retry', reason: 'HTTP 503', notBeforeMs: 7000 });
    const record = await log.get(DeliveryLog.idOf(e.id, webhookIdFor('evt-1', e.id)));
    expect(record).toMatchObject({ status: 'pending', attempts: [{ attempt: 1, status: 503, error: null }] });
    expect(record!.attempts[0].response).toHaveLength(1024);
    expect((await endpoints.get('prg', e.id))!.failingSince).not.toBeNull();
  });

  it("logs a failed attempt as dead when the bus will dead-letter it (past the schedule's last step), pending before", async () => {
    respond = (res) => res.writeHead(500).end('no');
    const statusAfter = async (d: Delivery) => {
      const e = await endpoint();
      const outcome = await new DeliveryWorker(noBus, store, { dispatcher }).deliver({ ...d, endpointId: e.id });
      expect(outcome).toMatchObject({ kind: 'retry', reason: 'HTTP 500' });
      return (await log.get(DeliveryLog.idOf(e.id, webhookIdFor('evt-1', e.id))))!.status;
    };
    expect(await statusAfter(delivery('x', 2))).toBe('pending');
    expect(await statusAfter(delivery('x', 3))).toBe('dead');
    // A Retry-After that skipped a step ran the ladder out sooner: attempt 2, but at the last step.
    expect(await statusAfter({ ...delivery('x', 2), retryStep: 2 })).toBe('dead');
  });

  it('times out a hanging endpoint within the timeout and logs why', async () => {
    const e = await endpoint();
    respond = () => undefined; // never answers
    const started = Date.now();
    const outcome = await new DeliveryWorker(noBus, store, { dispatcher, timeoutMs: 300 }).deliver(delivery(e.id));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(outcome.kind).toBe('retry');
    const record = await log.get(DeliveryLog.idOf(e.id, webhookIdFor('evt-1', e.id)));
    expect(record!.attempts[0]).toMatchObject({ status: null, error: expect.stringMatching(/abort|timeout/i) });
  });

  it('disables an endpoint that has been failing for five days, and a success clears the failing streak', async () => {
    const failingFor = (ms: number) => new Date(Date.now() - ms).toISOString();
    const old = await endpoint({ failingSince: failingFor(AUTO_DISABLE_AFTER_MS + 1_000) });
    respond = (res) => res.writeHead(500).end();
    const outcome = await new DeliveryWorker(noBus, store, { dispatcher }).deliver(delivery(old.id));
    expect(outcome).toEqual({ kind: 'dead', reason: 'endpoint failing for 5 days: disabled' });
    expect(await endpoints.get('prg', old.id)).toMatchObject({ enabled: false, disabledReason: 'failing for 5 days' });

    const recovering = await endpoint({ failingSince: failingFor(AUTO_DISABLE_AFTER_MS - 60_000) });
    respond = (res) => res.writeHead(204).end();
    expect(await new DeliveryWorker(noBus, store, { dispatcher }).deliver(delivery(recovering.id))).toEqual({ kind: 'ack' });
    expect(await endpoints.get('prg', recovering.id)).toMatchObject({ enabled: true, failingSince: null });
  });

  it('dead-letters deliveries for a disabled endpoint without sending, and acks those of a deleted one', async () => {
    const disabled = await endpoint({ enabled: false, disabledReason: 'disabled by request' });
    let hits = 0;
    respond = (res) => {
      hits++;
      res.writeHead(200).end();
    };
    expect(await new DeliveryWorker(noBus, store, { dispatcher }).deliver(delivery(disabled.id))).toEqual({ kind: 'dead', reason: 'endpoint disabled: disabled by request' });
    expect(await new DeliveryWorker(noBus, store, { dispatcher }).deliver(delivery('whe_gone'))).toEqual({ kind: 'ack' });
    expect(hits).toBe(0);
  });

  it('signs with both secrets during a rotation overlap, and only the new one after it', async () => {
    const fresh = newWebhookSecret();
    const old = newWebhookSecret();
    const headersSeen: Record<string, string>[] = [];
    let body = '';
    respond = (res) => res.writeHead(200).end();
    server.once('request', (req) => {
      headersSeen.push(Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])));
    });
    const inOverlap = await endpoint({
      secrets: [
        { secret: fresh, createdAt: new Date().toISOString(), expiresAt: null },
        { secret: old, createdAt: '2026-01-01T00:00:00.000Z', expiresAt: new Date(Date.now() + 60_000).toISOString() },
      ],
    });
    const d = delivery(inOverlap.id);
    body = d.body;
    expect(await new DeliveryWorker(noBus, store, { dispatcher }).deliver(d)).toEqual({ kind: 'ack' });
    for (const secret of [fresh, old]) expect(() => new Webhook(secret).verify(body, headersSeen[0])).not.toThrow();

    server.once('request', (req) => {
      headersSeen.push(Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])));
    });
    const after = await endpoint({
      secrets: [
        { secret: fresh, createdAt: new Date().toISOString(), expiresAt: null },
        { secret: old, createdAt: '2026-01-01T00:00:00.000Z', expiresAt: new Date(Date.now() - 1_000).toISOString() },
      ],
    });
    expect(await new DeliveryWorker(noBus, store, { dispatcher }).deliver(delivery(after.id))).toEqual({ kind: 'ack' });
    expect(() => new Webhook(fresh).verify(body, headersSeen[1])).not.toThrow();
    expect(() => new Webhook(old).verify(body, headersSeen[1])).toThrow();
  });

  /** Holds the receiver's answers until `release`, which answers them (and every later request) 200. */
  function busyReceiver() {
    const held: import('node:http').ServerResponse[] = [];
    let hits = 0;
    respond = (res) => {
      hits++;
      held.push(res);
    };
    return {
      held,
      hits: () => hits,
      async until(n: number) {
        for (let i = 0; i < 200 && held.length < n; i++) await new Promise((r) => setTimeout(r, 10));
        expect(held).toHaveLength(n);
      },
      release() {
        respond = (res) => {
          hits++;
          res.writeHead(200).end();
        };
        for (const res of held.splice(0)) res.writeHead(200).end();
      },
    };
  }

  it('a busy healthy endpoint: deliveries past its slots wait in its lane however many, none goes back to the bus', async () => {
    const e = await endpoint();
    const worker = new DeliveryWorker(noBus, store, { dispatcher, perEndpointConcurrency: 1, timeoutMs: 10_000 });
    const at = (n: number): Delivery => ({ ...delivery(e.id), messageId: `evt-busy-${n}` });
    const receiver = busyReceiver();
    const queued = Array.from({ length: 1 + MAX_WAITING_PER_ENDPOINT + 20 }, (_, n) => worker.deliver(at(n)));
    try {
      await receiver.until(1);
      receiver.release();
      const outcomes = await Promise.all(queued);
      expect(outcomes.filter((o) => o.kind !== 'ack')).toEqual([]);
      expect(receiver.hits()).toBe(queued.length);
    } finally {
      receiver.release();
      await Promise.allSettled(queued);
    }
  });

  it("an endpoint's slot is free once its answer came: the attempt's log write does not hold it", async () => {
    const e = await endpoint();
    respond = (res) => res.writeHead(200).end('ok');
    // A read store whose delivery-log writes wait until released.
    let releaseWrites!: () => void;
    const writesHeld = new Promise<void>((r) => (releaseWrites = r));
    const slowLog = Object.create(store) as SqliteReadStore;
    slowLog.put = async (...args: Parameters<SqliteReadStore['put']>) => {
      if (args[1] === 'webhook_deliveries') await writesHeld;
      return store.put(...args);
    };
    const posted: string[] = [];
    const worker = new DeliveryWorker(noBus, slowLog, { dispatcher, perEndpointConcurrency: 1, timeoutMs: 10_000 });
    const at = (n: number): Delivery => ({ ...delivery(e.id), messageId: `evt-slot-${n}` });
    const before = respond;
    respond = (res) => {
      posted.push('POST');
      before(res);
    };
    const queued = [0, 1, 2].map((n) => worker.deliver(at(n)));
    try {
      // With one slot and every log write held, all three went out: none waited for a log write.
      for (let i = 0; i < 200 && posted.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
      expect(posted).toHaveLength(3);
      releaseWrites();
      expect(await Promise.all(queued)).toEqual([{ kind: 'ack' }, { kind: 'ack' }, { kind: 'ack' }]);
      for (const n of [0, 1, 2]) expect((await log.get(DeliveryLog.idOf(e.id, webhookIdFor(`evt-slot-${n}`, e.id))))!.status).toBe('delivered');
    } finally {
      releaseWrites();
      respond = before;
      await Promise.allSettled(queued);
    }
  });

  it('a struggling (just failed) endpoint: past 64 waiting, a delivery goes back to the bus for its next retry step, untried', async () => {
    const e = await endpoint();
    const worker = new DeliveryWorker(noBus, store, { dispatcher, timeoutMs: 10_000 });
    const at = (n: number): Delivery => ({ ...delivery(e.id), messageId: `evt-fail-${n}` });
    const receiver = busyReceiver();
    const queued = [worker.deliver(at(0))]; // keeps the lane (and its health) alive
    try {
      await receiver.until(1);
      respond = (res) => res.writeHead(500).end();
      expect((await worker.deliver(at(1))).kind).toBe('retry'); // failed: 2 slots for 30 s
      respond = (res) => receiver.held.push(res);
      queued.push(...Array.from({ length: 1 + MAX_WAITING_PER_ENDPOINT }, (_, n) => worker.deliver(at(n + 2))));
      await receiver.until(2);
      const overflow = at(999);
      expect(await worker.deliver(overflow)).toEqual({ kind: 'retry', reason: `endpoint saturated: 2 in flight, ${MAX_WAITING_PER_ENDPOINT} waiting (endpoint failing or slow)` });
      expect(await log.get(DeliveryLog.idOf(e.id, webhookIdFor(overflow.messageId, e.id)))).toBeNull();
      receiver.release();
      expect((await Promise.all(queued)).every((o) => o.kind === 'ack')).toBe(true);
    } finally {
      receiver.release();
      await Promise.allSettled(queued);
    }
  });

  it('a lane that turns struggling (an attempt hangs) gives back what waits past 64, so it frees their bus slots', async () => {
    const e = await endpoint();
    const worker = new DeliveryWorker(noBus, store, { dispatcher, perEndpointConcurrency: 1, slowAttemptMs: 200, timeoutMs: 10_000 });
    const at = (n: number): Delivery => ({ ...delivery(e.id), messageId: `evt-hang-${n}` });
    const receiver = busyReceiver();
    const extra = 30;
    const queued = Array.from({ length: 1 + MAX_WAITING_PER_ENDPOINT + extra }, (_, n) => worker.deliver(at(n)));
    try {
      await receiver.until(1);
      worker.sweep(); // healthy still: nothing given back
      await new Promise((resolve) => setTimeout(resolve, 300)); // the attempt in flight is now slow
      worker.sweep();
      receiver.release();
      const outcomes = await Promise.all(queued);
      const givenBack = outcomes.filter((o) => o.kind === 'retry');
      expect(givenBack).toHaveLength(extra);
      expect(givenBack[0]).toMatchObject({ reason: expect.stringContaining('endpoint saturated') });
      // The ones given back were the newest, never tried; the rest were delivered.
      expect(receiver.hits()).toBe(1 + MAX_WAITING_PER_ENDPOINT);
      expect(outcomes.slice(0, 1 + MAX_WAITING_PER_ENDPOINT).every((o) => o.kind === 'ack')).toBe(true);
    } finally {
      receiver.release();
      await Promise.allSettled(queued);
    }
  });

  it('refuses at connect time an address outside WEBHOOK_ALLOWED_CIDRS, sending nothing', async () => {
    const e = await endpoint();
    let hits = 0;
    respond = (res) => {
      hits++;
      res.writeHead(200).end();
    };
    const strict = guardedDispatcher({ allowed: parseAllowedCidrs('') });
    const outcome = await new DeliveryWorker(noBus, store, { dispatcher: strict }).deliver(delivery(e.id));
    await strict.close();
    expect(outcome.kind).toBe('retry');
    const record = await log.get(DeliveryLog.idOf(e.id, webhookIdFor('evt-1', e.id)));
    expect(record!.attempts.at(-1)!.error).toMatch(/ssrf_blocked/);
    expect(hits).toBe(0);
  });
});
