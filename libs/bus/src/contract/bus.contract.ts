import { afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Bus, Consumer, Delivery, Handler, OutgoingMessage, Outcome } from '../bus.port.js';

export interface BusFixture {
  /** Opens a bus on this fixture's own queue; all buses opened by one fixture share it (competing consumers). */
  open(): Promise<Bus>;
  /** Closes every bus it opened and removes the queue (table rows / broker topology). */
  cleanup(): Promise<void>;
}

export type BusFixtureFactory = (options: { retrySchedule: number[] }) => Promise<BusFixture>;

/** `0, 200 ms, 400 ms`: four attempts in about a second. */
export const TEST_SCHEDULE = [0, 200, 400];

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export function message(n: number, overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    messageId: `evt-${n}-${randomUUID()}`,
    topic: n % 2 ? 'NEW_CONVERSION' : 'NEW_AFFILIATE',
    endpointId: `ep-${n % 3}`,
    body: JSON.stringify({ n, text: 'übersetzt ✓' }),
    ...overrides,
  };
}

/** A consumer that records every delivery (with the time it arrived) and answers with `decide`. */
export function recorder(bus: Bus, decide: (d: Delivery) => Outcome | Promise<Outcome> = () => ({ kind: 'ack' }), concurrency = 4) {
  const seen: (Delivery & { at: number })[] = [];
  const handler: Handler = async (d) => {
    seen.push({ ...d, at: Date.now() });
    return decide(d);
  };
  const consumer: Consumer = bus.consume(handler, { concurrency });
  const of = (messageId: string) => seen.filter((d) => d.messageId === messageId);
  const distinct = () => new Set(seen.map((d) => `${d.messageId}|${d.endpointId}`)).size;
  return { seen, consumer, of, distinct };
}

function isSettled(p: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  return Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    sleep(0).then(() => marker),
  ]).then((v) => v === true);
}

/**
 * The executable definition of the bus port: every adapter runs it unchanged. Ordering is NOT part
 * of the contract (and not tested): retries, several consumers and redeliveries reorder messages.
 */
export function busContract(name: string, factory: BusFixtureFactory): void {
  describe(`bus contract: ${name}`, () => {
    const fixtures: BusFixture[] = [];
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
    });
    const fixture = async (retrySchedule = TEST_SCHEDULE) => {
      const f = await factory({ retrySchedule });
      fixtures.push(f);
      return f;
    };

    it('delivers every published message exactly once when handlers ack, fields intact', async () => {
      const bus = await (await fixture()).open();
      expect(bus.retrySchedule).toEqual(TEST_SCHEDULE);
      const before = Date.now();
      const messages = Array.from({ length: 40 }, (_, i) => message(i, i % 4 === 0 ? { headers: { 'x-correlation-id': `c-${i}` } } : {}));
      await bus.publish(messages.slice(0, 25));
      await bus.publish(messages.slice(25));
      await bus.publish([]);
      const after = Date.now();
      await waitFor(async () => (await bus.stats()).ready === 40, '40 ready messages');
      expect(await bus.stats()).toEqual({ ready: 40, delayed: 0, dead: 0 });

      const r = recorder(bus, () => ({ kind: 'ack' }), 5);
      await r.consumer.ready;
      await waitFor(() => r.seen.length >= 40, '40 deliveries');
      await sleep(300);
      expect(r.seen).toHaveLength(40);
      for (const m of messages) {
        const [d] = r.of(m.messageId);
        expect(d).toMatchObject({ ...m, attempt: 1, redelivered: false });
        if (!m.headers) expect(d.headers ?? {}).toEqual({});
        expect(d.firstEnqueuedAt).toBeInstanceOf(Date);
        expect(d.firstEnqueuedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
        expect(d.firstEnqueuedAt.getTime()).toBeLessThanOrEqual(after + 1000);
      }
      await r.consumer.close();
      await waitFor(async () => (await bus.stats()).ready === 0, 'an empty queue');
      expect(await bus.stats()).toEqual({ ready: 0, delayed: 0, dead: 0 });
      await expect(bus.ping()).resolves.toBeUndefined();
    });

    it('rejects an invalid batch before storing any of it', async () => {
      const bus = await (await fixture()).open();
      await expect(bus.publish([message(1), { ...message(2), endpointId: '' }])).rejects.toThrow(/message 1: endpointId/);
      await expect(bus.publish([{ ...message(3), body: 42 as unknown as string }])).rejects.toThrow(/body/);
      await expect(bus.publish([{ ...message(4), headers: { n: 1 as unknown as string } }])).rejects.toThrow(/header n/);
      expect(await bus.stats()).toEqual({ ready: 0, delayed: 0, dead: 0 });
    });

    it('competing consumers on two bus instances share the work, none delivered twice', async () => {
      const f = await fixture();
      const a = await f.open();
      const b = await f.open();
      const decide = async (): Promise<Outcome> => {
        await sleep(2 + Math.random() * 4);
        return { kind: 'ack' };
      };
      const ra = recorder(a, decide, 3);
      const rb = recorder(b, decide, 3);
      await Promise.all([ra.consumer.ready, rb.consumer.ready]);
      const messages = Array.from({ length: 150 }, (_, i) => message(i));
      for (let i = 0; i < messages.length; i += 50) await (i % 100 ? b : a).publish(messages.slice(i, i + 50));
      await waitFor(() => ra.seen.length + rb.seen.length >= 150, '150 deliveries');
      await sleep(300);
      const all = [...ra.seen, ...rb.seen].map((d) => d.messageId);
      expect(all).toHaveLength(150);
      expect(new Set(all)).toEqual(new Set(messages.map((m) => m.messageId)));
      expect(ra.seen.length).toBeGreaterThan(0);
      expect(rb.seen.length).toBeGreaterThan(0);
    });

    it('retry: delivered again later with attempt + 1 at the ladder pace; exhausted → dead letter', async () => {
      const bus = await (await fixture()).open();
      const r = recorder(bus, () => ({ kind: 'retry', reason: 'HTTP 500' }));
      await r.consumer.ready;
      const m = message(7);
      await bus.publish([m]);
      await waitFor(async () => (await bus.stats()).dead === 1, 'the dead letter');
      const tries = r.of(m.messageId);
      expect(tries.map((d) => d.attempt)).toEqual([1, 2, 3, 4]);
      expect(tries.every((d) => !d.redelivered && d.firstEnqueuedAt.getTime() === tries[0].firstEnqueuedAt.getTime())).toBe(true);
      const gaps = tries.slice(1).map((d, i) => d.at - tries[i].at);
      // Steps 0, 200, 400 ms, each × jitter in [1, 1.2]: never earlier than the step.
      expect(gaps[0]).toBeLessThan(200);
      expect(gaps[1]).toBeGreaterThanOrEqual(200);
      expect(gaps[1]).toBeLessThan(200 * 1.2 + 400);
      expect(gaps[2]).toBeGreaterThanOrEqual(400);
      expect(gaps[2]).toBeLessThan(400 * 1.2 + 400);

      const [dead] = await bus.deadLetters();
      expect(dead).toMatchObject({ messageId: m.messageId, endpointId: m.endpointId, topic: m.topic, body: m.body, attempt: 4 });
      expect(dead.reason).toBe('retries exhausted after 4 attempts: HTTP 500');
      expect(dead.deadAt).toBeInstanceOf(Date);
      expect(await bus.stats()).toEqual({ ready: 0, delayed: 0, dead: 1 });
      await sleep(150);
      expect(r.of(m.messageId)).toHaveLength(4);
    });

    it('notBeforeMs (Retry-After) is honoured: the first step at least that long, or exactly it past the last step', async () => {
      const bus = await (await fixture()).open();
      const a = message(1);
      const b = message(2);
      const wanted: Record<string, number> = { [a.messageId]: 300, [b.messageId]: 900 };
      const r = recorder(bus, (d) => (d.attempt === 1 ? { kind: 'retry', notBeforeMs: wanted[d.messageId], reason: '429' } : { kind: 'retry', reason: 'again' }));
      await r.consumer.ready;
      await bus.publish([a, b]);
      await waitFor(async () => (await bus.stats()).dead === 2, 'two dead letters', 15_000);
      for (const m of [a, b]) {
        const tries = r.of(m.messageId);
        expect(tries.map((d) => d.attempt)).toEqual([1, 2]);
        expect(tries[1].at - tries[0].at).toBeGreaterThanOrEqual(wanted[m.messageId]);
      }
      // a waited on the 400 ms step (the first ≥ 300), b past every step: either way the ladder is spent.
      const dead = await bus.deadLetters();
      expect(dead.map((d) => d.reason)).toEqual(['retries exhausted after 2 attempts: again', 'retries exhausted after 2 attempts: again']);
    });

    it('defer: handed out again not before the delay, with the same attempt and step, as often as it takes; no retry spent', async () => {
      const bus = await (await fixture()).open();
      // Deferred three times (a throttled endpoint), then a failure, then success: the defers spend
      // nothing, so the failure still retries on the ladder's first step.
      const r = recorder(bus, (d) => {
        const n = r.of(d.messageId).length;
        if (n <= 3) return { kind: 'defer', delayMs: 300, reason: 'endpoint paused' };
        if (n === 4) return { kind: 'retry', reason: 'HTTP 500' };
        return { kind: 'ack' };
      });
      await r.consumer.ready;
      const m = message(3);
      await bus.publish([m]);
      await waitFor(() => r.of(m.messageId).length === 5, 'five hand-outs', 15_000);
      const tries = r.of(m.messageId);
      expect(tries.map((d) => [d.attempt, d.retryStep])).toEqual([
        [1, 0],
        [1, 0],
        [1, 0],
        [1, 0],
        [2, 1],
      ]);
      for (let i = 1; i <= 3; i++) expect(tries[i].at - tries[i - 1].at).toBeGreaterThanOrEqual(300);
      await waitFor(async () => (await bus.stats()).ready === 0 && (await bus.stats()).delayed === 0, 'an empty queue');
      expect(await bus.stats()).toEqual({ ready: 0, delayed: 0, dead: 0 });
    });

    it('a handler that throws (or returns nonsense) is retried, not lost', async () => {
      const bus = await (await fixture()).open();
      const r = recorder(bus, (d) => {
        if (d.attempt > 1) return { kind: 'ack' };
        if (d.endpointId === 'throws') throw new Error('socket hang up');
        return undefined as unknown as Outcome;
      });
      await r.consumer.ready;
      const m1 = message(1, { endpointId: 'throws' });
      const m2 = message(2, { endpointId: 'nonsense' });
      await bus.publish([m1, m2]);
      await waitFor(() => r.seen.length >= 4, 'two attempts each');
      await sleep(200);
      expect(r.of(m1.messageId).map((d) => d.attempt)).toEqual([1, 2]);
      expect(r.of(m2.messageId).map((d) => d.attempt)).toEqual([1, 2]);
      await waitFor(async () => (await bus.stats()).ready === 0, 'an empty queue');
      expect(await bus.stats()).toEqual({ ready: 0, delayed: 0, dead: 0 });
    });

    it('dead outcome → visible in deadLetters (by endpoint, limited) and requeued as a fresh delivery', async () => {
      const bus = await (await fixture()).open();
      let bury = true;
      const r = recorder(bus, (d) => (bury && d.endpointId === 'gone' ? { kind: 'dead', reason: '410 Gone' } : { kind: 'ack' }));
      await r.consumer.ready;
      const m1 = message(1, { endpointId: 'gone', headers: { 'x-correlation-id': 'c1' } });
      const m2 = message(2, { endpointId: 'gone' });
      const m3 = message(3, { endpointId: 'fine' });
      await bus.publish([m1, m2, m3]);
      await waitFor(async () => (await bus.stats()).dead === 2, 'two dead letters');
      expect(await bus.deadLetters({ endpointId: 'fine' })).toEqual([]);
      const dead = await bus.deadLetters({ endpointId: 'gone' });
      expect(dead.map((d) => d.messageId).sort()).toEqual([m1.messageId, m2.messageId].sort());
      expect(dead.every((d) => d.reason === '410 Gone' && d.attempt === 1)).toBe(true);
      expect(dead.find((d) => d.messageId === m1.messageId)?.headers).toEqual({ 'x-correlation-id': 'c1' });
      expect(await bus.deadLetters({ limit: 1 })).toHaveLength(1);

      bury = false;
      expect(await bus.requeueDeadLetter({ messageId: 'no-such-event', endpointId: 'gone' })).toBe(0);
      expect(await bus.requeueDeadLetter({ messageId: m1.messageId, endpointId: 'fine' })).toBe(0);
      const requeuedAt = Date.now();
      expect(await bus.requeueDeadLetter({ messageId: m1.messageId, endpointId: 'gone' })).toBe(1);
      await waitFor(() => r.of(m1.messageId).length === 2, 'the resend');
      const resend = r.of(m1.messageId)[1];
      expect(resend).toMatchObject({ ...m1, attempt: 1, redelivered: false });
      expect(resend.firstEnqueuedAt.getTime()).toBeGreaterThanOrEqual(requeuedAt - 1000);
      await waitFor(async () => (await bus.stats()).dead === 1, 'one dead letter left');
      expect((await bus.deadLetters()).map((d) => d.messageId)).toEqual([m2.messageId]);
      expect(r.of(m3.messageId)).toHaveLength(1);
    });

    it('stats count messages waiting for a retry step as delayed', async () => {
      const bus = await (await fixture([60_000])).open();
      const r = recorder(bus, () => ({ kind: 'retry' }));
      await r.consumer.ready;
      await bus.publish([message(1), message(2)]);
      await waitFor(async () => (await bus.stats()).delayed === 2, 'two delayed messages');
      expect(await bus.stats()).toEqual({ ready: 0, delayed: 2, dead: 0 });
      expect(r.seen).toHaveLength(2);
    });

    it('close() waits for the handlers in flight and records their outcomes; unstarted messages stay queued', async () => {
      const f = await fixture();
      const bus = await f.open();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const started: string[] = [];
      const consumer = bus.consume(
        async (d) => {
          started.push(d.messageId);
          await gate;
          return { kind: 'ack' };
        },
        { concurrency: 1 },
      );
      await consumer.ready;
      const [m1, m2] = [message(1), message(2)];
      await bus.publish([m1]);
      await waitFor(() => started.length === 1, 'the first handler to start');
      await bus.publish([m2]);
      const closing = consumer.close();
      await sleep(150);
      expect(await isSettled(closing)).toBe(false);
      release();
      await closing;
      expect(started).toEqual([m1.messageId]);

      const other = await f.open();
      const r = recorder(other);
      await r.consumer.ready;
      await waitFor(() => r.seen.length === 1, 'the unstarted message elsewhere');
      await sleep(300);
      expect(r.seen.map((d) => d.messageId)).toEqual([m2.messageId]);
      expect(r.seen[0].redelivered).toBe(false);
    });
  });
}
