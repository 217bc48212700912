// Test and bench support (not built): a built app run as a process of its own.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startScriptNodeArgs } from './start-node-args.js';

export type AppName = 'engine' | 'api' | 'projector' | 'publisher' | 'delivery-worker';

/** The line each app logs once it listens (see the apps' main.ts). */
const READY: Record<AppName, string> = {
  engine: 'partner-ledger engine listening',
  api: 'partner-ledger api listening',
  projector: 'projector running',
  publisher: 'publisher running',
  'delivery-worker': 'delivery worker running',
};

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** What an app's /health answers (libs/platform health.ts). */
export interface AppHealth {
  status: string;
  checks: Record<string, { status: string; detail?: string }>;
}

export interface AppProcessOptions {
  /** How long to wait for the ready line. */
  timeoutMs?: number;
  /** Options for node itself after those of the start script (the scale test bounds the heap lower with them). */
  nodeArgs?: string[];
  /** Where the build is, relative to the repository: `dist` (npm run build), or the bench's own build. */
  distDir?: string;
}

/** The repository: the nearest directory above this file with a package.json (from the sources or from a build). */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('app-process: no package.json above this file');
    dir = up;
  }
  return dir;
}

/** How an app that stopped cleanly on SIGTERM exits: Nest's shutdown hooks end by raising the signal again once everything closed. */
export const CLEAN_SIGTERM_EXITS = [
  { code: 0, signal: null },
  { code: null, signal: 'SIGTERM' },
] as const;

/** One built app (`dist/apps/<app>/src/main.js`) as its own process, its JSON log kept. */
export class AppProcess {
  private out = '';
  private waiters: { test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  port = 0;

  private constructor(
    readonly label: string,
    readonly app: AppName,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const take = (chunk: Buffer) => {
      this.out += chunk.toString();
      if (this.waiters.length === 0) return;
      for (const line of this.lines()) {
        for (const w of [...this.waiters]) {
          if (w.test(line)) {
            this.waiters = this.waiters.filter((x) => x !== w);
            w.resolve(line);
          }
        }
      }
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
  }

  static async start(app: AppName, label: string, env: Record<string, string>, options: AppProcessOptions = {}): Promise<AppProcess> {
    const { timeoutMs = 30_000, nodeArgs = [], distDir = 'dist' } = options;
    const root = repositoryRoot();
    const childEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env };
    // As `npm start` runs it (its heap budget), then the caller's options, which win (a later V8 flag overrides).
    const child = spawn(process.execPath, [...startScriptNodeArgs(root, childEnv), ...nodeArgs, join(distDir, 'apps', app, 'src', 'main.js')], {
      cwd: root,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = new AppProcess(label, app, child);
    const early = proc.exited.then(({ code, signal }) => {
      throw new Error(`${label} exited before it was ready (${code ?? signal}):\n${proc.output()}`);
    });
    const ready = await Promise.race([proc.waitForLog((l) => l.msg === READY[app], timeoutMs), early]);
    proc.port = Number(ready.port);
    return proc;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  output(): string {
    return this.out;
  }

  lines(): LogLine[] {
    const parsed: LogLine[] = [];
    for (const text of this.out.split('\n')) {
      if (!text.startsWith('{')) continue;
      try {
        parsed.push(JSON.parse(text));
      } catch {
        /* a line still being written */
      }
    }
    return parsed;
  }

  /** The first log line (past or future) that passes `test`. */
  waitForLog(test: (l: LogLine) => boolean, timeoutMs: number): Promise<LogLine> {
    const seen = this.lines().find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`${this.label}: no matching log line within ${timeoutMs} ms:\n${this.output().slice(-4_000)}`));
      }, timeoutMs);
      const done = (line: LogLine) => {
        clearTimeout(timer);
        resolve(line);
      };
      this.waiters.push({ test, resolve: done });
    });
  }

  /** GET /health: its status code and body (rejects when the app does not answer). */
  /** One JSON request to the app, with `bearer` as its API key when given; the answer parsed. */
  async call(method: string, path: string, body?: unknown, bearer?: string): Promise<{ status: number; body: Record<string, any> }> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  async health(): Promise<{ status: number; body: AppHealth }> {
    const res = await fetch(`${this.url}/health`);
    return { status: res.status, body: (await res.json()) as AppHealth };
  }

  /** `lease_held{lease=…}` from /metrics: 1 while this instance holds the lease. */
  async leaseHeld(lease: string): Promise<number> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    const match = new RegExp(`^lease_held\\{lease="${lease}"\\} (\\d+)$`, 'm').exec(text);
    if (!match) throw new Error(`${this.label}: no lease_held for ${lease} in /metrics`);
    return Number(match[1]);
  }

  /** Peak resident memory of the process so far (VmHWM of /proc/<pid>/status), in MiB; Linux only. */
  peakRssMb(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    if (!match) throw new Error(`${this.label}: no VmHWM in /proc/${this.child.pid}/status`);
    return Number(match[1]) / 1024;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** Sends SIGTERM and answers how the process exited (a clean stop is one of CLEAN_SIGTERM_EXITS). */
  terminate(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.kill('SIGTERM');
    return this.exited;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}
