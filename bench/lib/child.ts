import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Every measured side of a scenario runs in a child process of its own: its peak RSS is then its
 * own (not the load generator's, not the previous scenario's garbage), and `--cpu-prof` profiles
 * exactly one variant. The parent drives it over IPC; `advanced` serialization carries bigints.
 */

export interface ChildMessage {
  type: string;
  [key: string]: unknown;
}

export interface ChildDone<R> {
  result: R;
  /** process.resourceUsage().maxRSS of the child, in MiB. */
  peakRssMb: number;
}

export interface ChildOptions {
  /** A directory for `--cpu-prof` output; no profiling when absent. */
  profileDir?: string;
  env?: Record<string, string>;
}

const ENTRY = fileURLToPath(new URL('../run.js', import.meta.url));

export class Child<R = unknown> {
  private readonly inbox: ChildMessage[] = [];
  private readonly waiting: { type: string; resolve: (m: ChildMessage) => void; reject: (e: Error) => void }[] = [];
  private exited: Error | null = null;
  private readonly stderr: string[] = [];

  private constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
  ) {
    proc.on('message', (m: ChildMessage) => this.deliver(m));
    for (const stream of [proc.stdout, proc.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        this.stderr.push(text);
        if (this.stderr.length > 200) this.stderr.splice(0, 100);
        if (process.env.BENCH_VERBOSE) process.stderr.write(text);
      });
    }
    proc.on('exit', (code, signal) => {
      this.exited = new Error(`child ${name} exited (${signal ?? code}) before answering${this.stderr.length ? `:\n${this.stderr.join('').slice(-4000)}` : ''}`);
      for (const w of this.waiting.splice(0)) w.reject(this.exited);
    });
  }

  static start<R>(name: string, params: unknown, options: ChildOptions = {}): Child<R> {
    const execArgv = ['--enable-source-maps', '--max-old-space-size=4096'];
    if (options.profileDir) {
      mkdirSync(options.profileDir, { recursive: true });
      execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.profileDir}`);
    }
    const proc = fork(ENTRY, ['--child'], {
      execArgv,
      env: { ...process.env, ...options.env },
      serialization: 'advanced',
      // Libraries print to stdout (Emmett logs its errors with console.log): kept off the table.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const child = new Child<R>(name, proc);
    proc.send({ type: 'run', name, params });
    return child;
  }

  send(message: ChildMessage): void {
    if (!this.exited) this.proc.send(message);
  }

  /** The next message of this type (earlier ones of other types stay queued). */
  next(type: string, timeoutMs = 600_000): Promise<ChildMessage> {
    const i = this.inbox.findIndex((m) => m.type === type || m.type === 'error');
    if (i >= 0) return this.settle(this.inbox.splice(i, 1)[0]);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise<ChildMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child ${this.name}: no ${type} within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          this.settle(m).then(resolve, reject);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  async done(timeoutMs?: number): Promise<ChildDone<R>> {
    const m = await this.next('done', timeoutMs);
    return { result: m.result as R, peakRssMb: m.peakRssMb as number };
  }

  kill(): void {
    if (!this.exited) this.proc.kill('SIGKILL');
  }

  private settle(m: ChildMessage): Promise<ChildMessage> {
    if (m.type === 'error') return Promise.reject(new Error(`child ${this.name}: ${String(m.message)}\n${String(m.stack ?? '')}`));
    return Promise.resolve(m);
  }

  private deliver(m: ChildMessage) {
    const i = this.waiting.findIndex((w) => w.type === m.type || m.type === 'error');
    if (i >= 0) this.waiting.splice(i, 1)[0].resolve(m);
    else this.inbox.push(m);
  }
}

/** What a child-side handler gets: send to the parent, wait for the parent. */
export interface Control {
  send(message: ChildMessage): void;
  next(type: string): Promise<ChildMessage>;
}

export type ChildHandler = (params: any, ctl: Control) => Promise<unknown>;

/**
 * The child side: runs one handler, answers `done` with its result and peak RSS, exits. Handlers
 * are loaded by name, so a child loads only its own scenario's code (and its peak RSS shows it).
 */
export function childMain(load: (name: string) => Promise<ChildHandler | undefined>): void {
  const inbox: ChildMessage[] = [];
  const waiting: { type: string; resolve: (m: ChildMessage) => void }[] = [];
  const ctl: Control = {
    send: (message) => process.send!(message),
    next: (type) => {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
      return new Promise((resolve) => waiting.push({ type, resolve }));
    },
  };
  // The parent going away must not leave an engine listening.
  process.on('disconnect', () => process.exit(1));
  process.on('message', (m: ChildMessage) => {
    if (m.type === 'run') {
      void run(String(m.name), m.params);
      return;
    }
    const i = waiting.findIndex((w) => w.type === m.type);
    if (i >= 0) waiting.splice(i, 1)[0].resolve(m);
    else inbox.push(m);
  });

  async function run(name: string, params: unknown) {
    try {
      const handler = await load(name);
      if (!handler) throw new Error(`no child handler ${name}`);
      const result = await handler(params, ctl);
      const peakRssMb = process.resourceUsage().maxRSS / 1024;
      process.send!({ type: 'done', result, peakRssMb }, () => process.exit(0));
    } catch (error) {
      const e = error as Error;
      process.send!({ type: 'error', message: e.message ?? String(error), stack: e.stack ?? '' }, () => process.exit(1));
    }
  }
}
