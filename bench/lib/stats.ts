/** Nearest-rank percentile (p in 0..100) of unsorted samples; null when there are none. */
export function percentile(samples: readonly number[], p: number): number | null {
  return samples.length === 0 ? null : nearestRank(Float64Array.from(samples).sort(), p);
}

function nearestRank(sorted: Float64Array, p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summary(samples: readonly number[]): { p50: number | null; p99: number | null; max: number | null; n: number } {
  if (samples.length === 0) return { p50: null, p99: null, max: null, n: 0 };
  const sorted = Float64Array.from(samples).sort();
  return { p50: nearestRank(sorted, 50), p99: nearestRank(sorted, 99), max: sorted[sorted.length - 1], n: sorted.length };
}

// The domain tests' PRNG: workloads are the same in every process of a run.
export { seeded } from '@partner-ledger/testing';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function until(what: string, check: () => boolean, timeoutMs: number, everyMs = 5): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A rate in thousands per second, one decimal: "67.6k". */
export const kilo = (perSecond: number) => `${(perSecond / 1000).toFixed(1)}k`;

/** The median item by `key` (the lower middle of an even count); undefined for none. */
export function medianBy<T>(items: readonly T[], key: (item: T) => number): T | undefined {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor((items.length - 1) / 2)];
}
