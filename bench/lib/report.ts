import type { LoopDelay } from './loop-delay.js';

export interface Ratio {
  /** The baseline row's variant name. */
  vs: string;
  /** ours / baseline for throughput; baseline / ours would hide which way is better, so never. */
  value: number;
  of: 'throughput' | 'p99';
}

export interface Row {
  scenario: string;
  variant: string;
  /** A baseline row: other rows of the scenario are compared with it. */
  baseline?: boolean;
  throughput: number | null;
  unit: string;
  p50Ms: number | null;
  p99Ms: number | null;
  peakRssMb: number | null;
  /**
   * The measured process's event-loop delay over the row's window (its own `/metrics`, see
   * lib/loop-delay.ts); absent where it is not measured (baselines, scenarios without an engine).
   */
  loopDelay?: LoopDelay | null;
  /** The measured engine's CPU time (user + system, all its roles) per command completed in the window. */
  cpuMsPerCommand?: number | null;
  ratios: Ratio[];
  notes: string[];
  skipped?: string;
  error?: string;
}

export interface Target {
  scenario: string;
  name: string;
  goal: string;
  measured: string;
  pass: boolean | null;
  note?: string;
}

export interface ScenarioOutput {
  rows: Row[];
  targets: Target[];
}

export interface BenchContext {
  quick: boolean;
  /** Root directory for per-variant `--cpu-prof` output, when profiling. */
  profileRoot: string | null;
  tmp: string;
  /** RabbitMQ URL (a vhost of this run when rabbitmqctl allowed creating one). */
  amqpUrl: string;
  /** Prefix for bus names when the vhost is shared with others. */
  busPrefix: string;
  log: (message: string) => void;
}

export function row(partial: Partial<Row> & Pick<Row, 'scenario' | 'variant'>): Row {
  return { throughput: null, unit: '', p50Ms: null, p99Ms: null, peakRssMb: null, ratios: [], notes: [], ...partial };
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function fmtNumber(n: number | null): string {
  return n === null || !Number.isFinite(n) ? '–' : int.format(n);
}

export function fmtMs(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '–';
  if (n >= 10_000) return `${(n / 1000).toFixed(1)} s`;
  return n < 10 ? `${n.toFixed(2)} ms` : n < 100 ? `${n.toFixed(1)} ms` : `${Math.round(n)} ms`;
}

export function fmtRatio(r: Ratio): string {
  return `${r.value >= 10 ? r.value.toFixed(1) : r.value.toFixed(2)}× ${r.vs}${r.of === 'p99' ? ' (p99)' : ''}`;
}

export function tableLines(rows: Row[], markdown = false): string[] {
  const head = ['scenario', 'variant', 'throughput', 'p50', 'p99', 'peak RSS', 'loop p99', 'ratio'];
  const body = rows.map((r) => [
    r.scenario,
    r.variant,
    r.skipped ? r.skipped : r.error ? `error: ${r.error.split('\n')[0].slice(0, 80)}` : `${fmtNumber(r.throughput)} ${r.unit}`,
    r.skipped || r.error ? '' : fmtMs(r.p50Ms),
    r.skipped || r.error ? '' : fmtMs(r.p99Ms),
    r.peakRssMb === null ? '' : `${Math.round(r.peakRssMb)} MB`,
    r.loopDelay ? fmtMs(r.loopDelay.p99Ms) : '',
    r.baseline ? 'baseline' : r.ratios.map(fmtRatio).join(', '),
  ]);
  if (markdown) {
    return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((cells) => `| ${cells.join(' | ')} |`)];
  }
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 2 && i <= 6 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

export function targetLines(targets: Target[], markdown = false): string[] {
  const mark = (t: Target) => (t.pass === null ? 'n/a' : t.pass ? 'pass' : 'MISS');
  if (markdown) {
    return ['| target | goal | measured | result |', '|---|---|---|---|', ...targets.map((t) => `| ${t.scenario}: ${t.name} | ${t.goal} | ${t.measured} | ${mark(t)} |`)];
  }
  return targets.map((t) => `  [${mark(t).padEnd(4)}] ${t.scenario}: ${t.name} — goal ${t.goal}, measured ${t.measured}${t.note ? ` (${t.note})` : ''}`);
}
