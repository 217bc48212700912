import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { buildOnce } from '@partner-ledger/testing';

const root = new URL('../../', import.meta.url).pathname;
const ADMIN = 'shutdown-admin-key-0123456789';

/** The built engine as a real process: what `npm start` runs, stopped the way an orchestrator stops it. */
describe('SIGTERM on a busy engine', () => {
  let dataDir: string;
  beforeAll(async () => {
    await buildOnce();
    dataDir = mkdtempSync(join(tmpdir(), 'pl-sigterm-'));
  }, 130_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  function start(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
    const child = spawn(process.execPath, ['dist/apps/engine/src/main.js'], {
      cwd: root,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`engine did not start:\n${out}`)), 20_000);
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n').find((l) => l.includes('engine listening'));
        if (line) {
          clearTimeout(timer);
          resolve({ child, url: `http://127.0.0.1:${JSON.parse(line).port}`, output: () => out });
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
      child.on('exit', (code) => reject(new Error(`engine exited early (${code}):\n${out}`)));
    });
  }

  it('finishes in-flight commands, closes the store, and loses nothing that was acknowledged', async () => {
    const { child, url, output } = await start();
    const call = (path: string, body: unknown, key = ADMIN) =>
      fetch(url + path, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const program = (await (await call('/v1/programs', { name: 'P', currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' } })).json()) as { id: string; apiKey: string };
    const pid = program.id;
    expect((await call(`/v1/programs/${pid}/customers`, { email: 'c@example.com', name: 'C', key: 'c' }, program.apiKey)).status).toBe(201);

    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const requests = Array.from({ length: 40 }, (_, i) =>
      call(`/v1/programs/${pid}/transactions`, { customerKey: 'c', amount: '5.00', key: `t-${i}` }, program.apiKey).then(
        (r) => ({ i, status: r.status, type: r.headers.get('content-type'), connection: r.headers.get('connection') }),
        // No answer: refused once the server stopped accepting (ECONNREFUSED), or reset (what must not happen).
        (error: Error & { cause?: { code?: string } }) => ({ i, status: 0, type: null, connection: null, failure: error.cause?.code ?? error.message }),
      ),
    );
    setTimeout(() => child.kill('SIGTERM'), 5);
    const results = await Promise.all(requests);
    const { code, signal } = await exited;
    expect(code === 0 || signal === 'SIGTERM' || code === 143).toBe(true);
    expect(output()).not.toMatch(/"level":(50|60)/); // no error or fatal log on the way down

    const acknowledged = results.filter((r) => r.status === 201).map((r) => r.i);
    // 201: done before the server closed; 503: arrived while it closed; 0: never accepted.
    for (const r of results) expect([0, 201, 503]).toContain(r.status);
    // A request the server took is answered (201 or 503), never reset: only a refused connection goes unanswered.
    for (const r of results.filter((x) => x.status === 0)) expect({ i: r.i, failure: 'failure' in r ? r.failure : null }).toEqual({ i: r.i, failure: 'ECONNREFUSED' });
    for (const r of results.filter((x) => x.status === 503)) expect({ type: r.type, connection: r.connection }).toEqual({ type: 'application/problem+json', connection: 'close' });
    expect(acknowledged.length).toBeGreaterThan(0);
    const store = SqliteEventStore.open(join(dataDir, 'partner-ledger.db'));
    try {
      // Acknowledged means written; not acknowledged means not written: nothing was cut off midway.
      for (const r of results) {
        const events = await store.readStream(`transaction-${pid}.t-${r.i}`);
        expect(events.length > 0).toBe(r.status === 201);
      }
    } finally {
      await store.close();
    }
  }, 60_000);
});
