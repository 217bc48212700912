import { transformFile } from '@swc/core';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Real worker processes for the SQLite lease tests: the bus sources are compiled with SWC (as the
 * build does) into a temporary directory, and each child runs a SqliteBus consumer on a given file,
 * printing one JSON line per delivery on stdout.
 */
export interface ChildWorker {
  readonly pid: number;
  readonly lines: string[];
  /** The next stdout line not yet returned by nextLine (waits for it). */
  nextLine(timeoutMs?: number): Promise<string>;
  kill(signal: NodeJS.Signals): void;
  readonly exited: Promise<number | null>;
}

export interface ChildWorkerArgs {
  file: string;
  leaseMs: number;
  /** `ack`: print "ready", then ack every delivery. `hang`: never finish a handler (to be killed). */
  mode: 'ack' | 'hang';
  concurrency?: number;
  /** In `ack` mode, how long each handler takes before it acks (default 0). */
  handlerMs?: number;
}

export interface ChildWorkers {
  spawn(args: ChildWorkerArgs): ChildWorker;
  dispose(): Promise<void>;
}

const WORKER = `
import { SqliteBus } from './libs/bus/src/sqlite/sqlite-bus.js';
const { file, leaseMs, mode, concurrency, handlerMs } = JSON.parse(process.argv[2]);
const bus = SqliteBus.open(file, { leaseMs, pollIntervalMs: 10 });
const consumer = bus.consume(async (d) => {
  process.stdout.write(JSON.stringify({ messageId: d.messageId, attempt: d.attempt, redelivered: d.redelivered, pid: process.pid }) + '\\n');
  if (mode === 'hang') await new Promise(() => {});
  if (handlerMs) await new Promise((resolve) => setTimeout(resolve, handlerMs));
  return { kind: 'ack' };
}, { concurrency: concurrency ?? 1 });
process.on('SIGTERM', async () => { await consumer.close(); await bus.close(); process.exit(0); });
if (mode === 'ack') process.stdout.write('ready\\n');
`;

export async function buildBusForChildProcesses(): Promise<ChildWorkers> {
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  // The bus and what it imports (its retry ladder's defaults come from libs/config).
  const srcDirs = ['libs/bus/src', 'libs/config/src'].map((dir) => join(root, dir));
  const out = mkdtempSync(join(tmpdir(), 'pl-bus-workers-'));
  const swcrc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
  delete swcrc.$schema;
  swcrc.jsc.baseUrl = root;
  for (const file of srcDirs.flatMap((dir) => sources(dir))) {
    const { code } = await transformFile(file, { ...swcrc, sourceMaps: false, swcrc: false, filename: file });
    const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code);
  }
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'), 'dir');
  const script = join(out, 'worker.mjs');
  writeFileSync(script, WORKER);

  const children = new Set<ChildProcess>();
  return {
    spawn(args) {
      const child = spawn(process.execPath, [script, JSON.stringify(args)], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, NODE_OPTIONS: '' },
      });
      children.add(child);
      const lines: string[] = [];
      const waiters: (() => void)[] = [];
      let read = 0;
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        waiters.splice(0).forEach((w) => w());
      });
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code) => {
          children.delete(child);
          waiters.splice(0).forEach((w) => w());
          resolve(code);
        }),
      );
      return {
        pid: child.pid!,
        lines,
        exited,
        kill: (signal) => child.kill(signal),
        async nextLine(timeoutMs = 10_000) {
          const deadline = Date.now() + timeoutMs;
          while (read >= lines.length) {
            if (child.exitCode !== null || child.signalCode !== null) throw new Error(`worker ${child.pid} exited before printing`);
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`worker ${child.pid} printed nothing within ${timeoutMs} ms`);
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, left);
              waiters.push(() => {
                clearTimeout(timer);
                resolve();
              });
            });
          }
          return lines[read++];
        },
      };
    },
    async dispose() {
      await Promise.all(
        [...children].map((child) => {
          const done = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          return done;
        }),
      );
      rmSync(out, { recursive: true, force: true });
    },
  };
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' || entry.name === 'contract' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}
