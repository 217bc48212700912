import autocannon from 'autocannon';
import { join } from 'node:path';
import { Child } from '../lib/child.js';
import { openLoop } from '../lib/load.js';
import { cpuMsPerCommand, type EngineWindow, engineWindowNotes, withEngineWindow } from '../lib/loop-delay.js';
import { type BenchContext, fmtMs, row, type Row, type ScenarioOutput, type Target } from '../lib/report.js';
import { profileDirOf } from '../lib/variants.js';
import { type Program, seedProgram, transactionBody } from '../lib/setup.js';

const SCENARIO = '2 HTTP ingest';
const ADMIN_KEY = 'bench-admin-key-0123456789';
const CONNECTIONS = 16;
const FIXED_RATE = 1_000;

interface Measured {
  full: { rate: number; p50: number; p99: number; non2xx: number; errors: number; total: number };
  fixed: Awaited<ReturnType<typeof openLoop>>;
  rss: number;
  /** The server's figures in each measured window (the bare route has no loop delay nor threads). */
  engine: { full: EngineWindow | null; fixed: EngineWindow | null };
}

/**
 * CreateTransaction over HTTP, twice per server: as fast as `CONNECTIONS` keep-alive connections go
 * (autocannon, closed loop), then open-loop at a fixed 1,000/s for its latency. The same requests
 * go to the bare Fastify route; both servers get the same warm-up first, at full speed.
 */
export async function run(ctx: BenchContext): Promise<ScenarioOutput> {
  const seconds = ctx.quick ? 3 : 10;
  // Seconds of the same load before measuring, for both servers. The engine's V8 compiles its hot
  // paths on helper threads during the first seconds at full speed: after 1 s of warm-up those
  // threads still took 0.26–0.46 ms of CPU per command in the window, after 6 s 0.09–0.11.
  const warmup = ctx.quick ? 2 : 10;
  const customers = ctx.quick ? 100 : 1_000;
  const measured: Record<string, Measured> = {};
  const rows: Row[] = [];
  const variants = [
    ['ingest.bare', 'bare Fastify + SQLite insert'],
    ['engine.run', 'partner-ledger engine'],
  ] as const;
  for (const [name, label] of variants) {
    ctx.log(`${SCENARIO}: ${label}`);
    const params = name === 'engine.run' ? { dataDir: join(ctx.tmp, 'ingest-engine'), adminKey: ADMIN_KEY } : { file: join(ctx.tmp, 'ingest-bare.db') };
    const child = Child.start(name, params, { profileDir: profileDirOf(ctx, `ingest-${name}`) });
    try {
      const { url } = (await child.next('ready', 60_000)) as unknown as { url: string };
      const program: Program = name === 'engine.run' ? await seedProgram(url, ADMIN_KEY, customers) : { id: 'prg_0123456789abcdef0123', key: 'none', partnerKey: 'PARTNER1', customers };
      const path = `/v1/programs/${program.id}/transactions`;
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${program.key}` };
      let seq = 0;
      const cannon = (duration: number, tag: string) =>
        autocannon({
          url: url + path,
          connections: CONNECTIONS,
          pipelining: 1,
          duration,
          method: 'POST',
          headers,
          requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: transactionBody(program, seq++, tag) }) }],
        });
      await cannon(warmup, 'W');
      // Each server's figures over each window, from its /metrics: the engine's loop delay and CPU
      // by thread; the bare route's CPU; both servers' group commits.
      const measure = <T>(work: () => Promise<T>): Promise<{ result: T; window: EngineWindow | null }> => withEngineWindow(url, work).then(({ result, ...window }) => ({ result, window }));
      const { result: full, window: fullWindow } = await measure(() => cannon(seconds, 'F'));
      const { result: fixed, window: fixedWindow } = await measure(() =>
        openLoop({
          origin: url,
          rate: FIXED_RATE,
          durationMs: seconds * 1000,
          make: (i) => ({ path, headers, body: transactionBody(program, i, 'R') }),
          expect: (s) => s === 201,
        }),
      );
      child.send({ type: 'stop' });
      const { peakRssMb } = await child.done(60_000);
      measured[name] = {
        full: { rate: full['2xx'] / full.duration, p50: full.latency.p50, p99: full.latency.p99, non2xx: full.non2xx, errors: full.errors + full.timeouts, total: full.requests.total },
        fixed,
        rss: peakRssMb,
        engine: { full: fullWindow, fixed: fixedWindow },
      };
    } catch (error) {
      child.kill();
      rows.push(row({ scenario: SCENARIO, variant: label, error: (error as Error).message }));
    }
  }

  const bare = measured['ingest.bare'];
  const ours = measured['engine.run'];
  for (const [name, label] of variants) {
    const m = measured[name];
    if (!m) continue;
    const isOurs = name === 'engine.run';
    const fullNotes = [`autocannon, ${CONNECTIONS} keep-alive connections, ${seconds} s: ${m.full.total} requests`];
    if (m.full.non2xx || m.full.errors) fullNotes.push(`${m.full.non2xx} non-2xx answers and ${m.full.errors} errors`);
    rows.push(
      row({
        scenario: SCENARIO,
        variant: `${label}: full speed`,
        baseline: !isOurs,
        throughput: m.full.rate,
        unit: 'commands/s',
        p50Ms: m.full.p50,
        p99Ms: m.full.p99,
        peakRssMb: m.rss,
        loopDelay: m.engine.full?.loopDelay,
        cpuMsPerCommand: cpuMsPerCommand(m.engine.full, m.full.total),
        ratios: isOurs && bare ? [{ vs: 'bare', value: m.full.rate / bare.full.rate, of: 'throughput' }] : [],
        notes: [...fullNotes, ...engineWindowNotes(m.engine.full, m.full.total, isOurs ? 'engine' : 'bare route')],
      }),
    );
    const fixedNotes = [`open loop at ${FIXED_RATE}/s for ${seconds} s, latency from each request's due time: ${m.fixed.ok} ok of ${m.fixed.sent}`];
    if (m.fixed.failed) fixedNotes.push(`${m.fixed.failed} failed, first: ${m.fixed.firstError}`);
    rows.push(
      row({
        scenario: SCENARIO,
        variant: `${label}: ${FIXED_RATE.toLocaleString('en-US')}/s`,
        baseline: !isOurs,
        throughput: m.fixed.rate,
        unit: 'commands/s',
        p50Ms: m.fixed.p50,
        p99Ms: m.fixed.p99,
        peakRssMb: m.rss,
        loopDelay: m.engine.fixed?.loopDelay,
        cpuMsPerCommand: cpuMsPerCommand(m.engine.fixed, m.fixed.ok),
        ratios: isOurs && bare && bare.fixed.p99 && m.fixed.p99 ? [{ vs: 'bare', value: m.fixed.p99 / bare.fixed.p99, of: 'p99' }] : [],
        notes: [...fixedNotes, ...engineWindowNotes(m.engine.fixed, m.fixed.ok, isOurs ? 'engine' : 'bare route')],
      }),
    );
  }
  const targets: Target[] = [
    {
      scenario: SCENARIO,
      name: 'CreateTransaction at full speed',
      goal: '≥ 0.5× the bare route',
      measured: ours
        ? `${bare ? (ours.full.rate / bare.full.rate).toFixed(2) : '?'}× (${Math.round(ours.full.rate).toLocaleString('en-US')}/s; bare ${bare ? Math.round(bare.full.rate).toLocaleString('en-US') : '?'}/s)`
        : 'n/a',
      pass: ours && bare ? ours.full.rate / bare.full.rate >= 0.5 && ours.full.non2xx === 0 : null,
    },
    {
      scenario: SCENARIO,
      name: `p99 at ${FIXED_RATE}/s`,
      goal: "≤ 1.5× the bare route's p99",
      measured: ours?.fixed.p99 != null && bare?.fixed.p99 ? `${(ours.fixed.p99 / bare.fixed.p99).toFixed(2)}× (${fmtMs(ours.fixed.p99)}; bare ${fmtMs(bare.fixed.p99)})` : 'n/a',
      pass: ours?.fixed.p99 != null && bare?.fixed.p99 ? ours.fixed.p99 <= 1.5 * bare.fixed.p99 && ours.fixed.failed === 0 : null,
    },
  ];
  return { rows, targets };
}
