import { join } from 'node:path';
import { Child } from '../lib/child.js';
import { type BenchContext, row, type Row, type ScenarioOutput, type Target } from '../lib/report.js';
import { summary } from '../lib/stats.js';
import { profileDirOf, runVariants } from '../lib/variants.js';

const SCENARIO = '1 append (embedded)';
const SYNC_NAMES: Record<string, string> = { '0': 'OFF', '1': 'NORMAL', '2': 'FULL', '3': 'EXTRA' };

export interface AppendParams {
  file: string;
  events: number;
  streams: number;
}

export interface AppendResult {
  events: number;
  appends: number;
  seconds: number;
  latencies: number[];
  failures: number;
  synchronous: string;
  journal: string;
  note?: string;
}

export async function run(ctx: BenchContext): Promise<ScenarioOutput> {
  const events = ctx.quick ? 3_000 : 100_000;
  const streams = ctx.quick ? 300 : 10_000;
  const rows: Row[] = [];
  const variants = [
    ['append.raw', 'raw better-sqlite3 (ceiling)'],
    ['append.ours', 'partner-ledger SqliteEventStore'],
    ['append.emmett', 'Emmett 0.38.5 SQLite'],
  ] as const;
  const results = await runVariants<AppendResult>(SCENARIO, variants, rows, (name, label) => {
    ctx.log(`${SCENARIO}: ${label}, ${events} events in ${streams} streams`);
    return Child.start<AppendResult>(name, { file: join(ctx.tmp, `${name}.db`), events, streams } satisfies AppendParams, { profileDir: profileDirOf(ctx, name) });
  });
  const rate = (name: string) => (results[name] ? results[name].r.events / results[name].r.seconds : null);
  for (const [name, label] of variants) {
    const res = results[name];
    if (!res) continue;
    const s = summary(res.r.latencies);
    const notes = [`${res.r.events} events in ${res.r.appends} appends; journal_mode=${res.r.journal}, synchronous=${SYNC_NAMES[res.r.synchronous] ?? res.r.synchronous}`];
    if (res.r.note) notes.push(res.r.note);
    const ratios =
      name === 'append.ours'
        ? [
            ...(rate('append.raw') ? [{ vs: 'raw', value: rate(name)! / rate('append.raw')!, of: 'throughput' as const }] : []),
            ...(rate('append.emmett') ? [{ vs: 'Emmett', value: rate(name)! / rate('append.emmett')!, of: 'throughput' as const }] : []),
          ]
        : [];
    rows.push(
      row({ scenario: SCENARIO, variant: label, baseline: name !== 'append.ours', throughput: rate(name), unit: 'events/s', p50Ms: s.p50, p99Ms: s.p99, peakRssMb: res.rss, ratios, notes }),
    );
  }
  const ours = rate('append.ours');
  const targets: Target[] = [];
  const raw = rate('append.raw');
  const emmett = rate('append.emmett');
  targets.push({
    scenario: SCENARIO,
    name: 'append vs raw ceiling',
    goal: '≥ 0.80× raw',
    measured: ours && raw ? `${(ours / raw).toFixed(2)}×` : 'n/a',
    pass: ours && raw ? ours / raw >= 0.8 : null,
  });
  targets.push({
    scenario: SCENARIO,
    name: 'append vs Emmett',
    goal: '≥ 5× Emmett',
    measured: ours && emmett ? `${(ours / emmett).toFixed(1)}×` : 'n/a',
    pass: ours && emmett ? ours / emmett >= 5 : null,
  });
  return { rows, targets };
}
