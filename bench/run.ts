import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type ChildHandler, childMain } from './lib/child.js';
import { appendHistory, consecutiveTargets } from './lib/history.js';
import { type BenchContext, type Row, type ScenarioOutput, type Target, tableLines, targetLines } from './lib/report.js';

interface Scenario {
  id: string;
  /** Imported when it runs: a child process loads none of the parent-side code (autocannon…). */
  load(): Promise<{ run(ctx: BenchContext): Promise<ScenarioOutput> }>;
}

const SCENARIOS: Scenario[] = [
  { id: '1', load: () => import('./scenarios/append.js') },
  { id: '2', load: () => import('./scenarios/ingest.js') },
  { id: '3', load: () => import('./scenarios/rebuild.js') },
  { id: '4', load: () => import('./scenarios/end-to-end.js') },
  { id: '5', load: () => import('./scenarios/delivery.js') },
  { id: '6', load: () => import('./scenarios/eventstoredb.js') },
  { id: '7', load: () => import('./scenarios/scale.js') },
];

/** Child handlers by name prefix, imported only in the child that runs one. */
const CHILD_MODULES: Record<string, () => Promise<{ handlers: Record<string, ChildHandler> }>> = {
  append: () => import('./scenarios/append.child.js'),
  engine: () => import('./lib/engine.child.js'),
  ingest: () => import('./scenarios/ingest.child.js'),
  rebuild: () => import('./scenarios/rebuild.child.js'),
  delivery: () => import('./scenarios/delivery.child.js'),
  esdb: () => import('./scenarios/eventstoredb.child.js'),
  scale: () => import('./scenarios/scale.child.js'),
};

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** Durability settings, the same for ours and for each baseline that writes SQLite. */
const DURABILITY = [
  'events (ours, raw ceiling, bare Fastify, Emmett): journal_mode=WAL, synchronous=FULL (an fsync per commit)',
  'read models, delivery log (engine and rebuild): synchronous=NORMAL, as the engine runs them',
  'RabbitMQ: persistent messages on quorum queues, publisher confirms',
];
const execFileAsync = promisify(execFile);

if (process.argv.includes('--child')) {
  childMain(async (name) => (await CHILD_MODULES[name.split('.')[0]]?.())?.handlers[name]);
} else {
  await main();
}

async function main() {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const profile = args.includes('--profile');
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const started = Date.now();
  // Read now: the work tree may change while a full run goes on; the build it measures was made before it started.
  const commit = gitCommit();
  const log = (message: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
  const tmp = mkdtempSync(join(tmpdir(), 'pl-bench-'));
  const runId = Math.random().toString(36).slice(2, 8);
  const profileRoot = profile ? join(REPO, 'bench', 'profiles', new Date().toISOString().replace(/[:.]/g, '-')) : null;
  const rabbit = await benchVhost(runId, log);
  const ctx: BenchContext = { quick, profileRoot, tmp, amqpUrl: rabbit.url, busPrefix: `plbench.${runId}`, log };
  const cleanup = async () => {
    await rabbit.drop();
    rmSync(tmp, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

  const machine = {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    freeMemoryGb: Math.round(freemem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    /** 1-minute load average when the run started and ended: how busy the shared machine was. */
    loadAverage: { start: Number(loadavg()[0].toFixed(2)), end: 0 },
  };
  log(`partner-ledger benchmarks (${quick ? 'quick' : 'full'}): ${machine.cpus} CPUs, ${machine.memoryGb} GB, node ${machine.node}`);

  const rows: Row[] = [];
  const targets: Target[] = [];
  try {
    for (const scenario of SCENARIOS) {
      if (only && !only.includes(scenario.id)) continue;
      const t0 = Date.now();
      try {
        const out = await (await scenario.load()).run(ctx);
        rows.push(...out.rows);
        targets.push(...out.targets);
      } catch (error) {
        rows.push({
          scenario: `${scenario.id}`,
          variant: 'all',
          throughput: null,
          unit: '',
          p50Ms: null,
          p99Ms: null,
          peakRssMb: null,
          ratios: [],
          notes: [],
          error: (error as Error).stack ?? String(error),
        });
      }
      log(`scenario ${scenario.id} took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await cleanup();
    const { setupAgent } = await import('./lib/load.js');
    await setupAgent.close();
  }

  if (!quick && !only && !args.some((a) => a.startsWith('--out='))) {
    // Only a complete full run into the repository's results counts toward "consecutive runs".
    const history = appendHistory(join(REPO, 'bench', 'results', 'history.json'), {
      date: machine.date,
      commit: await commit,
      targets: targets.map(({ scenario, name, measured, pass }) => ({ scenario, name, measured, pass })),
    });
    targets.push(...consecutiveTargets(history, '4 end to end', 3));
  }
  const seconds = (Date.now() - started) / 1000;
  machine.loadAverage.end = Number(loadavg()[0].toFixed(2));
  const out = [
    '',
    `partner-ledger benchmarks, ${quick ? 'quick' : 'full'} run, ${machine.date}`,
    `${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB RAM, node ${machine.node}; ${seconds.toFixed(0)} s; load average ${machine.loadAverage.start} at the start, ${machine.loadAverage.end} at the end`,
    '',
    ...tableLines(rows),
    '',
    'ratios: ours ÷ baseline of the same run (throughput: higher is better; p99: lower is better)',
    ...DURABILITY.map((d) => `durability: ${d}`),
    '',
    'targets:',
    ...targetLines(targets),
    '',
  ];
  for (const r of rows) {
    if (r.error) out.push(`error in ${r.scenario} / ${r.variant}:`, r.error, '');
  }
  process.stdout.write(out.join('\n') + '\n');
  for (const r of rows) for (const n of r.notes) process.stdout.write(`  note: ${r.scenario} / ${r.variant}: ${n}\n`);

  const results = {
    mode: quick ? 'quick' : 'full',
    seconds,
    machine,
    durability: DURABILITY,
    rabbitmq: rabbit.description,
    rows,
    targets,
    markdown: { table: tableLines(rows, true), targets: targetLines(targets, true) },
  };
  const json = JSON.stringify(results, null, 2) + '\n';
  const outFile = args.find((a) => a.startsWith('--out='))?.slice('--out='.length);
  if (outFile) writeFileSync(outFile, json);
  else {
    // A partial run (--only) must not replace the last complete one.
    const dir = join(REPO, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, only ? 'partial.json' : 'latest.json'), json);
    if (!only) writeFileSync(join(dir, `${results.mode}.json`), json);
  }
  if (profileRoot) process.stdout.write(`\nCPU profiles: ${profileRoot}\n`);
  process.stdout.write(`results: ${outFile ?? `bench/results/${only ? 'partial' : 'latest'}.json`}\n`);
}

/** The commit measured, with `+changes` when the work tree differs from it. */
async function gitCommit(): Promise<string> {
  try {
    const head = (await execFileAsync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO })).stdout.trim();
    const dirty = (await execFileAsync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO })).stdout.trim();
    return dirty ? `${head}+changes` : head;
  } catch {
    return 'unknown';
  }
}

/**
 * A RabbitMQ vhost of this run, so the engine's default names (`pl.webhooks`) and whatever the
 * queues hold never meet anyone else's on a shared broker; deleted at the end. Without
 * rabbitmqctl the default vhost is used, with this run's own prefix where the code allows one.
 */
async function benchVhost(runId: string, log: (m: string) => void): Promise<{ url: string; description: string; drop: () => Promise<void> }> {
  const base = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  const vhost = `pl-bench-${runId}`;
  const user = decodeURIComponent(new URL(base).username || 'guest');
  const ctl = (process.env.RABBITMQCTL?.trim() || 'rabbitmqctl').split(/\s+/);
  try {
    await execFileAsync(ctl[0], [...ctl.slice(1), 'add_vhost', vhost], { timeout: 30_000 });
    await execFileAsync(ctl[0], [...ctl.slice(1), 'set_permissions', '-p', vhost, user, '.*', '.*', '.*'], { timeout: 30_000 });
    const url = new URL(base);
    url.pathname = `/${encodeURIComponent(vhost)}`;
    let dropped = false;
    return {
      url: url.toString(),
      description: `vhost ${vhost} (created and deleted by this run)`,
      drop: async () => {
        if (dropped) return;
        dropped = true;
        await execFileAsync(ctl[0], [...ctl.slice(1), 'delete_vhost', vhost], { timeout: 30_000 }).catch((e: Error) => log(`could not delete vhost ${vhost}: ${e.message}`));
      },
    };
  } catch (error) {
    log(`no vhost of our own (${(error as Error).message.split('\n')[0]}); using ${base} as it is`);
    return { url: base, description: `${base.replace(/\/\/[^@]*@/, '//')} (default vhost)`, drop: async () => undefined };
  }
}
