import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AppHealth, AppName, AppProcess } from '@partner-ledger/testing';
import { Child } from '../lib/child.js';
import { call } from '../lib/load.js';
import { type Receiver, startReceiver } from '../lib/receiver.js';
import { type BenchContext, fmtMs, row, type Row, type ScenarioOutput, type Target } from '../lib/report.js';
import { type Program, seedProgram } from '../lib/setup.js';
import { sleep } from '../lib/stats.js';
import type { ScalePrepareParams, ScalePrepareResult } from './scale.child.js';

const SCENARIO = '7 scale';
const ADMIN_KEY = 'bench-admin-key-0123456789';
/** The bench's own build (package.json's bench script), so the apps measured are the code the bench was built from. */
const BUILD = join('dist', 'bench-build');
/** The roles as separate processes, in the order a deployment would bring them up. */
const ROLES: AppName[] = ['projector', 'publisher', 'delivery-worker', 'api'];
/** Long enough for a catch-up of 1M events on a slow shared machine. */
const CATCH_UP_TIMEOUT_MS = 20 * 60_000;

type Topology = 'engine' | 'roles';
type State = 'behind' | 'caught up';

/** One start of a topology on a data dir: when each process answered /health, the first webhook, peak RSS. */
interface StartUp {
  healthMs: Partial<Record<AppName, number>>;
  firstDeliveryMs: number;
  /** When the read models reached the head of the log, if they were behind once the sale's webhook arrived. */
  caughtUpMs: number | null;
  peakRssMb: Partial<Record<AppName, number>>;
}

/**
 * Start-up against the history (issue 13): the engine (`npm start`'s process) and each role as its
 * own process, on a log of N and of 10 N events (100k and 1M; quick: 5k and 50k), first behind by
 * every event (a data dir whose read models, publisher view and queue have seen none of the copies,
 * as after an import or a projector down for months), then again once caught up (a plain restart).
 * Each start measures spawn → `/health` answering 200 for every process, spawn → the webhook of a
 * sale made as soon as the API answers, and each process's peak RSS (VmHWM). The targets compare
 * the large log with the small one of the same run: start-up and memory must be flat in the history.
 */
export async function run(ctx: BenchContext): Promise<ScenarioOutput> {
  const sizes = ctx.quick ? [5_000, 50_000] : [100_000, 1_000_000];
  const topologies: Topology[] = ctx.quick ? ['engine'] : ['engine', 'roles'];
  const rows: Row[] = [];
  const measured = new Map<string, StartUp>();
  const key = (topology: Topology, size: number, state: State) => `${topology}/${size}/${state}`;
  const receiver = await startReceiver({ orderIds: true });
  const actual = new Map<number, ScalePrepareResult>();
  try {
    for (const size of sizes) {
      const base = join(ctx.tmp, 'scale', String(size), 'base');
      ctx.log(`${SCENARIO}: preparing a log of ${size.toLocaleString('en-US')} events`);
      const prepare = Child.start<ScalePrepareResult>('scale.prepare', { dataDir: base, commands: ctx.quick ? 150 : 1_500, events: size } satisfies ScalePrepareParams);
      const log = (await prepare.done()).result;
      actual.set(size, log);
      for (const topology of topologies) {
        const dataDir = join(ctx.tmp, 'scale', String(size), topology);
        cpSync(base, dataDir, { recursive: true });
        // The copy is a gigabyte of dirty pages at 1M events: written back while the first start runs,
        // it would be measured as start-up. A data dir a user restarts on is long on disk.
        execFileSync('sync');
        try {
          let program: Program | undefined;
          for (const state of ['behind', 'caught up'] as const) {
            ctx.log(`${SCENARIO}: ${topology}, ${log.events.toLocaleString('en-US')} events, ${state}`);
            const orderId = `scale-${topology}-${size}-${state.replace(' ', '-')}`;
            const startUp = await startOn(topology, dataDir, receiver, orderId, async (api) => {
              // The first start (behind) makes the program, its partner, customer and endpoint; the restart reuses them.
              if (!program) {
                program = await seedProgram(api, ADMIN_KEY, 1);
                const endpoint = await call(api, 'POST', `/v1/programs/${program.id}/webhook-endpoints`, { url: receiver.url, topics: ['NEW_CONVERSION'] }, program.key);
                if (endpoint.status !== 201) throw new Error(`webhook endpoint: ${endpoint.status} ${JSON.stringify(endpoint.body)}`);
              }
              const sale = await call(api, 'POST', `/v1/programs/${program.id}/transactions`, { customerKey: 'C0', amount: '120.00', key: orderId }, program.key);
              if (sale.status !== 201) throw new Error(`sale: ${sale.status} ${JSON.stringify(sale.body)}`);
            });
            measured.set(key(topology, size, state), startUp);
            rows.push(...rowsOf(topology, log, state, startUp));
          }
        } catch (error) {
          rows.push(row({ scenario: SCENARIO, variant: `${topology}, ${size.toLocaleString('en-US')} events`, error: (error as Error).stack ?? String(error) }));
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      }
      rmSync(base, { recursive: true, force: true });
    }
  } finally {
    await receiver.close();
  }
  return { rows, targets: targetsOf(sizes, topologies, actual, (t, n, s) => measured.get(key(t, n, s))) };
}

/** Starts the topology's processes at once, makes the sale once the API answers, waits for its webhook and for the read models, stops them. */
async function startOn(topology: Topology, dataDir: string, receiver: Receiver, orderId: string, sale: (api: string) => Promise<void>): Promise<StartUp> {
  const { AppProcess } = await import('@partner-ledger/testing');
  const env = { DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN_KEY, WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8' };
  const apps: AppName[] = topology === 'engine' ? ['engine'] : ROLES;
  const procs = new Map<AppName, AppProcess>();
  const healthMs: StartUp['healthMs'] = {};
  const t0 = performance.now();
  try {
    await Promise.all(
      apps.map(async (app) => {
        const proc = await AppProcess.start(app, app, env, { distDir: BUILD, timeoutMs: 120_000 });
        procs.set(app, proc);
        for (;;) {
          if ((await health(proc)).status === 200) break;
          await sleep(10);
        }
        healthMs[app] = performance.now() - t0;
      }),
    );
    const api = procs.get(topology === 'engine' ? 'engine' : 'api')!;
    await sale(api.url);
    // Webhooks go out in log order: behind, the sale's comes after the whole backlog's.
    const deadline = performance.now() + CATCH_UP_TIMEOUT_MS;
    while (!receiver.arrivals.has(orderId)) {
      if (performance.now() > deadline) throw new Error(`no webhook for ${orderId} within ${CATCH_UP_TIMEOUT_MS / 1000} s`);
      await sleep(20);
    }
    const firstDeliveryMs = receiver.arrivals.get(orderId)! - t0;
    const projector = procs.get(topology === 'engine' ? 'engine' : 'projector')!;
    let behind = false;
    for (;;) {
      const h = await health(projector);
      if (h.status === 200 && h.body.checks?.projections?.detail === undefined) break;
      if (performance.now() > deadline) throw new Error(`projections still behind after ${CATCH_UP_TIMEOUT_MS / 1000} s: ${h.body.checks?.projections?.detail}`);
      behind = true;
      await sleep(100);
    }
    const caughtUpMs = behind ? performance.now() - t0 : null;
    const peakRssMb: StartUp['peakRssMb'] = {};
    for (const [app, proc] of procs) peakRssMb[app] = proc.peakRssMb();
    return { healthMs, firstDeliveryMs, caughtUpMs, peakRssMb };
  } finally {
    await stopAll([...procs.values()]);
  }
}

/** /health, or status 0 while the process does not answer yet. */
function health(proc: AppProcess): Promise<{ status: number; body: Partial<AppHealth> }> {
  return proc.health().catch(() => ({ status: 0, body: {} }));
}

async function stopAll(procs: AppProcess[]): Promise<void> {
  for (const p of procs) p.kill('SIGTERM');
  await Promise.all(
    procs.map(async (p) => {
      const killer = setTimeout(() => p.kill('SIGKILL'), 60_000);
      await p.exited;
      clearTimeout(killer);
    }),
  );
}

function rowsOf(topology: Topology, log: ScalePrepareResult, state: State, s: StartUp): Row[] {
  const events = log.events.toLocaleString('en-US');
  return Object.entries(s.peakRssMb).map(([app, rss]) => {
    const notes = [`/health after ${fmtMs(s.healthMs[app as AppName] ?? null)}`];
    if (app === 'engine' || app === 'api')
      notes.push(`first webhook of a new sale ${fmtMs(s.firstDeliveryMs)} after the start${state === 'behind' ? ' (behind the backlog: webhooks go out in log order)' : ''}`);
    if ((app === 'engine' || app === 'projector') && s.caughtUpMs !== null) notes.push(`read models caught up ${fmtMs(s.caughtUpMs)} after the start`);
    // Behind, the catch-up rate: the backlog over the time to the sale's webhook (the publisher's catch-up).
    const rate = state === 'behind' && (app === 'engine' || app === 'publisher') ? log.events / (s.firstDeliveryMs / 1000) : null;
    return row({
      scenario: SCENARIO,
      variant: `${topology === 'engine' ? 'engine' : `role ${app}`}, ${events} events, ${state}`,
      throughput: rate,
      unit: rate === null ? '' : 'events/s caught up',
      peakRssMb: rss,
      notes,
    });
  });
}

function targetsOf(sizes: number[], topologies: Topology[], actual: Map<number, ScalePrepareResult>, get: (t: Topology, n: number, s: State) => StartUp | undefined): Target[] {
  const [small, large] = sizes;
  const name = (n: number) => (actual.get(n)?.events ?? n).toLocaleString('en-US');
  const targets: Target[] = [];
  const compare = (
    what: string,
    goal: string,
    limit: number | null,
    maxRatio: number,
    pick: (s: StartUp) => number | undefined,
    fmt: (v: number) => string,
    state: State,
    topology: Topology = 'engine',
  ) => {
    const [a, b] = [get(topology, small, state), get(topology, large, state)];
    const [vs, v] = [a && pick(a), b && pick(b)];
    const target: Target = { scenario: SCENARIO, name: `${what} with ${name(large)} events, ${state}`, goal, measured: 'n/a', pass: null };
    if (v !== undefined && vs !== undefined) {
      const ratio = v / vs;
      target.measured = `${fmt(v)} (${ratio.toFixed(2)}× ${fmt(vs)} with ${name(small)})`;
      target.pass = (limit === null || v <= limit) && ratio <= maxRatio;
    }
    targets.push(target);
  };
  const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const mb = (v: number) => `${Math.round(v)} MB`;
  for (const state of ['caught up', 'behind'] as const) {
    compare('engine start-up to /health', `≤ 3 s, ≤ 1.5× with ${name(small)} events`, 3_000, 1.5, (s) => s.healthMs.engine, secs, state);
    if (state === 'caught up') compare('engine start-up to the first webhook of a new sale', `≤ 5 s, ≤ 1.5× with ${name(small)} events`, 5_000, 1.5, (s) => s.firstDeliveryMs, secs, state);
    compare('engine peak RSS', `≤ 1.25× with ${name(small)} events`, null, 1.25, (s) => s.peakRssMb.engine, mb, state);
    if (topologies.includes('roles')) {
      for (const app of ROLES) compare(`${app} peak RSS`, `≤ 1.25× with ${name(small)} events`, null, 1.25, (s) => s.peakRssMb[app], mb, state, 'roles');
    }
  }
  return targets;
}
