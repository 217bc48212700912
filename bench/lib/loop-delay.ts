import { request } from 'undici';
import { fmtMs } from './report.js';

/**
 * The engine's event-loop delay, from its own `/metrics`: prom-client's default metrics keep a
 * `perf_hooks.monitorEventLoopDelay` histogram and reset it at every scrape, so a scrape before a
 * measured window and one after it give the delay within the window. Nothing else scrapes the
 * bench's engine.
 *
 * The histogram records the interval between its timer's ticks, which are set `RESOLUTION_MS`
 * apart (prom-client's default `eventLoopMonitoringPrecision`, the engine's setting): an idle loop
 * records ≈ 10 ms. The delay is what a tick took beyond that.
 */
export const RESOLUTION_MS = 10;

export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Scrapes `/metrics` (ending the previous window) and answers the delay since the previous scrape. */
export async function scrapeLoopDelay(origin: string): Promise<LoopDelay | null> {
  const res = await request(`${origin}/metrics`);
  const text = await res.body.text();
  if (res.statusCode !== 200) return null;
  const gauge = (name: string) => {
    const m = new RegExp(`^nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text);
    return m ? Math.max(0, Number(m[1]) * 1000 - RESOLUTION_MS) : NaN;
  };
  const delay = { p50Ms: gauge('p50'), p99Ms: gauge('p99'), maxMs: gauge('max') };
  return Object.values(delay).every(Number.isFinite) ? delay : null;
}

/** Runs `work` as the measured window and answers its result with the engine's loop delay over it. */
export async function withLoopDelay<T>(origin: string, work: () => Promise<T>): Promise<{ result: T; loopDelay: LoopDelay | null }> {
  await scrapeLoopDelay(origin);
  const result = await work();
  return { result, loopDelay: await scrapeLoopDelay(origin) };
}

/** The row's note on the delay: its percentiles, or nothing when it was not measured. */
export function loopDelayNotes(d: LoopDelay | null | undefined): string[] {
  return d ? [`event-loop delay of the engine over the window: p50 ${fmtMs(d.p50Ms)}, p99 ${fmtMs(d.p99Ms)}, max ${fmtMs(d.maxMs)} (beyond its ${RESOLUTION_MS} ms sampling tick)`] : [];
}
