import { monitorEventLoopDelay } from 'node:perf_hooks';
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

/** What a tick that recorded `ms` took beyond its sampling interval. */
const beyondTick = (ms: number) => Math.max(0, ms - RESOLUTION_MS);

/** "p50 …, p99 …, max …", as the notes print a loop delay. */
export function fmtLoopDelay(d: LoopDelay): string {
  return `p50 ${fmtMs(d.p50Ms)}, p99 ${fmtMs(d.p99Ms)}, max ${fmtMs(d.maxMs)}`;
}

/** What one scrape of `/metrics` says: the loop delay since the previous scrape, and the CPU used so far. */
export interface EngineScrape {
  loopDelay: LoopDelay | null;
  /** `process_cpu_seconds_total` (user + system) of the engine process since it started. */
  cpuSeconds: number | null;
  /** The same by thread (`process_thread_cpu_seconds_total`: main, webhooks-N, runtime); null without /proc. */
  threadCpuSeconds: Record<string, number> | null;
  /** The event store's group commits so far (`event_store_group_commit*`); null where there are none (EventStoreDB). */
  groupCommits: GroupCommits | null;
  /** The SQLite files' write locks so far, by file, then thread (`sqlite_write_lock_*`); null where there are none. */
  writeLock: WriteLocks | null;
  /** When the scrape was answered (performance.now()), for the length of a window. */
  at: number;
}

/** One thread's sums of a file's write lock: the transactions that took it, the seconds waiting for it and holding it. */
export interface WriteLockUse {
  acquisitions: number;
  waitSeconds: number;
  heldSeconds: number;
}

/** Each file's write lock, by thread. */
export type WriteLocks = Record<string, Record<string, WriteLockUse>>;

const LOCK_FIELDS = { acquisitions: 'acquisitions', wait_seconds: 'waitSeconds', held_seconds: 'heldSeconds' } as const;

/** The `sqlite_write_lock_*_total{file, thread}` series of a scrape. */
function writeLocksOf(text: string): WriteLocks {
  const locks: WriteLocks = {};
  for (const m of text.matchAll(/^sqlite_write_lock_(acquisitions|wait_seconds|held_seconds)_total\{([^}]*)\} (\S+)$/gm)) {
    const labels = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    const use = ((locks[labels.file ?? ''] ??= {})[labels.thread ?? ''] ??= { acquisitions: 0, waitSeconds: 0, heldSeconds: 0 });
    use[LOCK_FIELDS[m[1] as keyof typeof LOCK_FIELDS]] = Number(m[3]);
  }
  return locks;
}

/** Sums of the event store's group commits: how many, the appends they carried, the seconds spent in them. */
export interface GroupCommits {
  commits: number;
  appends: number;
  seconds: number;
}

/** Scrapes `/metrics` (ending the previous window of the loop-delay histogram). */
export async function scrapeEngine(origin: string): Promise<EngineScrape> {
  const res = await request(`${origin}/metrics`);
  const text = await res.body.text();
  const at = performance.now();
  if (res.statusCode !== 200) return { loopDelay: null, cpuSeconds: null, threadCpuSeconds: null, groupCommits: null, writeLock: null, at };
  const metric = (name: string) => {
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  };
  const lag = (name: string) => beyondTick(metric(`nodejs_eventloop_lag_${name}_seconds`) * 1000);
  const delay = { p50Ms: lag('p50'), p99Ms: lag('p99'), maxMs: lag('max') };
  const cpu = metric('process_cpu_seconds_total');
  const byThread = (name: string) => Object.fromEntries([...text.matchAll(new RegExp(`^${name}\\{thread="([^"]+)"\\} (\\S+)$`, 'gm'))].map((m) => [m[1], Number(m[2])]));
  const threads = byThread('process_thread_cpu_seconds_total');
  const writeLock = writeLocksOf(text);
  const groupCommits = {
    commits: metric('event_store_group_commits_total'),
    appends: metric('event_store_group_commit_appends_total'),
    seconds: metric('event_store_group_commit_seconds_total'),
  };
  return {
    loopDelay: Object.values(delay).every(Number.isFinite) ? delay : null,
    cpuSeconds: Number.isFinite(cpu) ? cpu : null,
    threadCpuSeconds: Object.keys(threads).length ? threads : null,
    groupCommits: Object.values(groupCommits).every(Number.isFinite) ? groupCommits : null,
    writeLock: Object.keys(writeLock).length ? writeLock : null,
    at,
  };
}

/** The engine over a measured window: its loop delay, and the CPU it used (all its work: API, projections, publisher, delivery). */
export interface EngineWindow {
  loopDelay: LoopDelay | null;
  cpuSeconds: number | null;
  /** The CPU by thread within the window; null without /proc. */
  threadCpuSeconds?: Record<string, number> | null;
  /** The event store's group commits within the window; null where it has none. */
  groupCommits?: GroupCommits | null;
  /** The SQLite files' write locks within the window, by file, then thread; null where there are none. */
  writeLock?: WriteLocks | null;
  /** The window's length in seconds (from scrape to scrape). */
  seconds?: number;
}

/** Starts a window now; `end()` closes it and answers what the engine did within it. */
export async function engineWindow(origin: string): Promise<{ end(): Promise<EngineWindow> }> {
  const start = await scrapeEngine(origin);
  return {
    end: async () => {
      const end = await scrapeEngine(origin);
      return {
        loopDelay: end.loopDelay,
        cpuSeconds: start.cpuSeconds !== null && end.cpuSeconds !== null ? end.cpuSeconds - start.cpuSeconds : null,
        threadCpuSeconds: threadsWithin(start.threadCpuSeconds, end.threadCpuSeconds),
        groupCommits:
          start.groupCommits && end.groupCommits
            ? {
                commits: end.groupCommits.commits - start.groupCommits.commits,
                appends: end.groupCommits.appends - start.groupCommits.appends,
                seconds: end.groupCommits.seconds - start.groupCommits.seconds,
              }
            : null,
        writeLock: lockWithin(start.writeLock, end.writeLock),
        seconds: (end.at - start.at) / 1000,
      };
    },
  };
}

/** Each thread's CPU between two scrapes (a thread that ended or started meanwhile: its time at the end). */
function threadsWithin(start: Record<string, number> | null, end: Record<string, number> | null): Record<string, number> | null {
  if (!start || !end) return null;
  return Object.fromEntries(Object.entries(end).map(([thread, s]) => [thread, Math.max(0, s - (start[thread] ?? 0))]));
}

/** Each thread's use of each write lock between two scrapes (its counters only grow). */
function lockWithin(start: WriteLocks | null, end: WriteLocks | null): WriteLocks | null {
  if (!end) return null;
  const zero = { acquisitions: 0, waitSeconds: 0, heldSeconds: 0 };
  return Object.fromEntries(
    Object.entries(end).map(([file, threads]) => [
      file,
      Object.fromEntries(
        Object.entries(threads).map(([thread, e]) => {
          const s = start?.[file]?.[thread] ?? zero;
          return [thread, { acquisitions: e.acquisitions - s.acquisitions, waitSeconds: e.waitSeconds - s.waitSeconds, heldSeconds: e.heldSeconds - s.heldSeconds }];
        }),
      ),
    ]),
  );
}

/** Runs `work` as the measured window and answers its result with the engine's figures over it. */
export async function withEngineWindow<T>(origin: string, work: () => Promise<T>): Promise<{ result: T } & EngineWindow> {
  const window = await engineWindow(origin);
  const result = await work();
  return { result, ...(await window.end()) };
}

/**
 * The row's notes on the engine over its window: the loop delay's percentiles, and the CPU it used
 * per command (`commands` completed in the window), which a busy shared machine disturbs far less
 * than throughput. Nothing when not measured.
 */
export function engineWindowNotes(w: EngineWindow | null | undefined, commands: number, who = 'engine'): string[] {
  if (!w) return [];
  const notes: string[] = [];
  const d = w.loopDelay;
  if (d) notes.push(`event-loop delay of the ${who} over the window: ${fmtLoopDelay(d)} (beyond its ${RESOLUTION_MS} ms sampling tick)`);
  if (w.cpuSeconds !== null && commands > 0) notes.push(`${who} CPU over the window: ${w.cpuSeconds.toFixed(2)} s, ${fmtMs(cpuMsPerCommand(w, commands))} per command`);
  if (w.threadCpuSeconds && commands > 0) notes.push(`${who} CPU by thread, per command: ${fmtThreadCpu(w.threadCpuSeconds, commands)}`);
  const g = w.groupCommits;
  if (g && g.commits > 0 && commands > 0) {
    // The thread that commits (the main thread) is held for this long, fsync included, per command.
    notes.push(
      `group commits of the ${who} over the window: ${g.commits.toLocaleString('en-US')}, ${(g.appends / g.commits).toFixed(1)} appends each, ${fmtMs((1000 * g.seconds) / g.commits)} each, ${fmtMs((1000 * g.seconds) / commands)} of the committing thread per command`,
    );
  }
  for (const [file, threads] of Object.entries(w.writeLock ?? {})) {
    const lockNote = w.seconds ? fmtWriteLock(threads, w.seconds) : null;
    if (lockNote) notes.push(`write lock of ${file} over the window: ${lockNote}`);
  }
  return notes;
}

/**
 * One file's lock, as "held 38 % of the window (main 37 %, 1.41 ms a transaction; webhooks-1
 * 1.0 %, 0.50 ms a transaction); waited for: main 0.1 % of the window (0.00 ms a transaction),
 * webhooks-1 …": how busy the file's one writer was, and what each thread lost waiting for the
 * others' commits (their fsyncs included). Null when nothing took it.
 */
export function fmtWriteLock(threads: Record<string, WriteLockUse>, seconds: number): string | null {
  const used = Object.entries(threads)
    .filter(([, u]) => u.acquisitions > 0)
    .sort(([a], [b]) => (a === 'main' ? -1 : b === 'main' ? 1 : a.localeCompare(b)));
  if (used.length === 0 || seconds <= 0) return null;
  const pct = (s: number) => `${((100 * s) / seconds).toFixed(s / seconds < 0.1 ? 1 : 0)} %`;
  const held = used.reduce((sum, [, u]) => sum + u.heldSeconds, 0);
  const each = (s: number, n: number) => fmtMs((1000 * s) / n);
  return (
    `held ${pct(held)} of the window (${used.map(([t, u]) => `${t} ${pct(u.heldSeconds)}, ${each(u.heldSeconds, u.acquisitions)} a transaction`).join('; ')}); ` +
    `waited for: ${used.map(([t, u]) => `${t} ${pct(u.waitSeconds)} of the window (${each(u.waitSeconds, u.acquisitions)} a transaction)`).join(', ')}`
  );
}

/** "main 1.06 ms, webhooks-1 0.89 ms, runtime 0.73 ms": main first, the runtime's helpers (V8, libuv) last. */
function fmtThreadCpu(threads: Record<string, number>, commands: number): string {
  const order = (t: string) => (t === 'main' ? 0 : t === 'runtime' ? 2 : 1);
  return Object.entries(threads)
    .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
    .map(([thread, s]) => `${thread === 'runtime' ? 'runtime (V8, libuv)' : thread} ${fmtMs((1000 * s) / commands)}`)
    .join(', ');
}

export function cpuMsPerCommand(w: EngineWindow | null | undefined, commands: number): number | null {
  return w?.cpuSeconds != null && commands > 0 ? (1000 * w.cpuSeconds) / commands : null;
}

/**
 * The bench process's own event-loop delay from now until `end()`: the load generator and the
 * webhook receiver share that loop, so a stall there delays a request's send or a webhook's arrival
 * time, and shows in the latencies as if the engine were slow. Measured the way the engine's is
 * (same sampling tick, delay beyond it).
 */
export function benchLoopWindow(): { end(): LoopDelay } {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  return {
    end: () => {
      histogram.disable();
      const beyond = (ns: number) => beyondTick(ns / 1e6);
      return { p50Ms: beyond(histogram.percentile(50)), p99Ms: beyond(histogram.percentile(99)), maxMs: beyond(histogram.max) };
    },
  };
}
