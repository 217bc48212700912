import { join } from 'node:path';
import { Child } from '../lib/child.js';
import { type BenchContext, row, type Row, type ScenarioOutput, type Target } from '../lib/report.js';
import { profileDirOf, runVariants } from '../lib/variants.js';
import type { PrepareParams, PrepareResult, RebuildRunResult } from './rebuild.child.js';

const SCENARIO = '3 projection rebuild';

export async function run(ctx: BenchContext): Promise<ScenarioOutput> {
  const wanted = ctx.quick ? 100_000 : 1_000_000;
  ctx.log(`${SCENARIO}: preparing a log of ${wanted.toLocaleString('en-US')} events`);
  const prepare = Child.start<PrepareResult>('rebuild.prepare', {
    dataDir: join(ctx.tmp, 'rebuild'),
    commands: ctx.quick ? 300 : 1_500,
    events: wanted,
  } satisfies PrepareParams);
  const { result: log } = await prepare.done();
  const rows: Row[] = [];
  // The in-memory fold reads only, so it goes first on the untouched file.
  const variants = [
    ['rebuild.memory', 'same fold in memory (no store)'],
    ['rebuild.ours', 'partner-ledger rebuild into SQLite read models'],
  ] as const;
  const measured = await runVariants<RebuildRunResult>(SCENARIO, variants, rows, (name, label) => {
    ctx.log(`${SCENARIO}: ${label}`);
    return Child.start<RebuildRunResult>(name, { file: log.file }, { profileDir: profileDirOf(ctx, name) });
  });
  const rate = (name: string) => (measured[name] ? measured[name].r.events / measured[name].r.seconds : null);
  const origin = `${log.events.toLocaleString('en-US')} events (a ${log.seedEvents}-event history from ${log.seedCommands} random commands, ${log.copies + 1} programs)`;
  for (const [name, label] of variants) {
    const m = measured[name];
    if (!m) continue;
    const notes = [`${origin}; ${m.r.documents ?? '?'} documents`];
    if (m.r.readOnly) notes.push(`reading the log alone: ${Math.round(m.r.readOnly.events / m.r.readOnly.seconds).toLocaleString('en-US')} events/s`);
    rows.push(
      row({
        scenario: SCENARIO,
        variant: label,
        baseline: name === 'rebuild.memory',
        throughput: rate(name),
        unit: 'events/s',
        peakRssMb: m.rss,
        ratios: name === 'rebuild.ours' && rate('rebuild.memory') ? [{ vs: 'in-memory fold', value: rate(name)! / rate('rebuild.memory')!, of: 'throughput' }] : [],
        notes,
      }),
    );
  }
  const ours = rate('rebuild.ours');
  const fold = rate('rebuild.memory');
  const targets: Target[] = [
    {
      scenario: SCENARIO,
      name: `rebuild of ${log.events.toLocaleString('en-US')} events`,
      goal: '≥ 0.8× the same fold in memory',
      measured: ours && fold ? `${(ours / fold).toFixed(2)}× (${Math.round(ours).toLocaleString('en-US')} events/s; in memory ${Math.round(fold).toLocaleString('en-US')})` : 'n/a',
      pass: ours && fold ? ours / fold >= 0.8 : null,
    },
  ];
  return { rows, targets };
}
