import { readFileSync } from 'node:fs';

/**
 * A results file as Markdown, for the READMEs: machine line, table, targets, notes.
 * Usage: node dist/bench-build/bench/tools/results-markdown.js [bench/results/latest.json]
 */
const file = process.argv[2] ?? 'bench/results/latest.json';
const r = JSON.parse(readFileSync(file, 'utf8')) as {
  mode: string;
  seconds: number;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; date: string; loadAverage?: { start: number; end: number } };
  rabbitmq: string;
  rows: { scenario: string; variant: string; notes: string[] }[];
  markdown: { table: string[]; targets: string[] };
};
const m = r.machine;
const out = [
  `${r.mode === 'full' ? 'Full' : 'Quick'} run of ${m.date.slice(0, 16).replace('T', ' ')} UTC: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB RAM, node ${m.node}, ` +
    `${Math.round(r.seconds)} s${m.loadAverage ? `, load average ${m.loadAverage.start} → ${m.loadAverage.end} (shared machine)` : ''}; RabbitMQ ${r.rabbitmq}.`,
  '',
  ...r.markdown.table,
  '',
  ...r.markdown.targets,
  '',
  ...r.rows.flatMap((row) => row.notes.map((n) => `- ${row.scenario} / ${row.variant}: ${n}`)),
];
process.stdout.write(out.join('\n') + '\n');
