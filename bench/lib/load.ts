import { Agent, Pool, request } from 'undici';
import { summary } from './stats.js';

export interface RequestSpec {
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface OpenLoopResult {
  sent: number;
  ok: number;
  failed: number;
  statuses: Record<number, number>;
  /** Achieved completions per second over the run (first schedule to last answer). */
  rate: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  /** Scheduled send time per request (performance.now() of this process), by index. */
  scheduled: Float64Array;
  firstError?: string;
}

/**
 * Open-loop constant-rate load: request i is due at start + i/rate whatever happened to the ones
 * before it, and its latency is measured from when it was due, not from when a connection became
 * free. A closed loop (autocannon's rate limit) waits for answers before sending more and so hides
 * stalls (coordinated omission); this one shows them in p99.
 */
export async function openLoop(options: {
  origin: string;
  rate: number;
  durationMs: number;
  connections?: number;
  make: (i: number) => RequestSpec;
  onAnswer?: (i: number, status: number, body: string, answeredAt: number) => void;
  expect?: (status: number) => boolean;
}): Promise<OpenLoopResult> {
  const pool = new Pool(options.origin, { connections: options.connections ?? 64, keepAliveTimeout: 30_000, pipelining: 1 });
  const total = Math.round((options.rate * options.durationMs) / 1000);
  const scheduled = new Float64Array(total);
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  const expect = options.expect ?? ((s: number) => s >= 200 && s < 300);
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  let lastAnswer = 0;
  const inflight: Promise<void>[] = [];
  const start = performance.now() + 5;
  const interval = 1000 / options.rate;

  const fire = (i: number) => {
    const due = start + i * interval;
    scheduled[i] = due;
    const spec = options.make(i);
    return request(options.origin + spec.path, {
      dispatcher: pool,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...spec.headers },
      body: spec.body,
    })
      .then(async (res) => {
        const text = await res.body.text();
        const at = performance.now();
        lastAnswer = at;
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        if (expect(res.statusCode)) ok++;
        else {
          failed++;
          firstError ??= `${res.statusCode} ${text.slice(0, 300)}`;
        }
        latencies.push(at - due);
        options.onAnswer?.(i, res.statusCode, text, at);
      })
      .catch((error: Error) => {
        failed++;
        firstError ??= error.message;
      });
  };

  let next = 0;
  while (next < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor((now - start) / interval) + 1);
    while (next < due) inflight.push(fire(next++));
    // A 1 ms timer tick is as fine as Node's timers go; requests due within it are sent together.
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  await pool.close();
  const s = summary(latencies);
  return { sent: total, ok, failed, statuses, rate: ok / ((lastAnswer - start) / 1000), p50: s.p50, p99: s.p99, max: s.max, scheduled, firstError };
}

/** A keep-alive agent for setup calls (program, partners, customers) before anything is measured. */
export const setupAgent = new Agent({ connections: 16, keepAliveTimeout: 30_000 });

export async function call(origin: string, method: string, path: string, body: unknown, key: string): Promise<{ status: number; body: any }> {
  const res = await request(origin + path, {
    dispatcher: setupAgent,
    method: method as 'POST',
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.statusCode, body: parsed };
}

/** Runs `count` setup calls `concurrency` at a time. */
export async function inParallel(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(count, concurrency) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}
