import { randomBytes } from 'node:crypto';
import { Child } from '../lib/child.js';
import { type BenchContext, row, type Row, type ScenarioOutput } from '../lib/report.js';
import { summary } from '../lib/stats.js';
import { profileDirOf, runVariants } from '../lib/variants.js';
import type { EsdbParams, EsdbResult } from './eventstoredb.child.js';

const SCENARIO = '6 append (EventStoreDB)';

/**
 * The distributed event store path, only against a real server named by EVENT_STORE_URL: the
 * append workload of scenario 1 (smaller: every append is a network round trip) through our
 * adapter and through the official client alone.
 */
export async function run(ctx: BenchContext): Promise<ScenarioOutput> {
  const url = process.env.EVENT_STORE_URL?.trim();
  if (!url) return { rows: [row({ scenario: SCENARIO, variant: 'all', skipped: 'skipped: EVENT_STORE_URL not set' })], targets: [] };
  const params: EsdbParams = {
    url,
    events: ctx.quick ? 2_000 : 20_000,
    streams: ctx.quick ? 200 : 2_000,
    programId: `prg_${randomBytes(10).toString('hex')}`,
  };
  const rows: Row[] = [];
  const variants = [
    ['esdb.raw', '@eventstore/db-client alone'],
    ['esdb.ours', 'partner-ledger EventStoreDbEventStore'],
  ] as const;
  const results = await runVariants<EsdbResult>(SCENARIO, variants, rows, (name, label) => {
    ctx.log(`${SCENARIO}: ${label}, ${params.events} events in ${params.streams} streams`);
    // The same program id would make the second variant's first appends fail their no_stream checks.
    return Child.start<EsdbResult>(name, { ...params, programId: `${params.programId}${name === 'esdb.raw' ? 'r' : 'o'}` }, { profileDir: profileDirOf(ctx, name) });
  });
  const rate = (name: string) => (results[name] ? results[name].r.events / results[name].r.seconds : null);
  for (const [name, label] of variants) {
    const res = results[name];
    if (!res) continue;
    const s = summary(res.r.latencies);
    rows.push(
      row({
        scenario: SCENARIO,
        variant: label,
        baseline: name === 'esdb.raw',
        throughput: rate(name),
        unit: 'events/s',
        p50Ms: s.p50,
        p99Ms: s.p99,
        peakRssMb: res.rss,
        ratios: name === 'esdb.ours' && rate('esdb.raw') ? [{ vs: 'client alone', value: rate(name)! / rate('esdb.raw')!, of: 'throughput' }] : [],
        notes: [`${res.r.events} events in ${res.r.appends} appends against ${url.replace(/\/\/[^@]*@/, '//')}`],
      }),
    );
  }
  return { rows, targets: [] };
}
