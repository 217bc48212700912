import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { openSocket, parseRawAnswer } from '@partner-ledger/testing';
import { LINGER_BYTES, LINGER_MS } from './linger.js';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { startTestApp, type RunningApp } from './test-app.fixture.js';

/**
 * The client runs in a process of its own, as a real one does: sharing the server's event loop, it
 * would read each answer before the server's close could reset the connection, and never fail.
 */
const CLIENT = `
const [url, sizes, times] = process.argv.slice(1);
const results = [];
for (const mb of sizes.split(',').map(Number)) {
  const body = Buffer.alloc(mb * 1024 * 1024, 0x20);
  for (let k = 0; k < Number(times); k++) {
    try {
      const res = await fetch(url + '/things', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const problem = await res.json();
      results.push({ mb, status: res.status, type: res.headers.get('content-type'), code: problem.code });
    } catch (error) {
      results.push({ mb, error: String(error.cause?.code ?? error.message) });
    }
  }
}
console.log(JSON.stringify(results));
`;

describe('a body over the limit (real HTTP on loopback, client in its own process)', () => {
  let t: RunningApp;
  beforeAll(async () => {
    t = await startTestApp({ bodyLimitBytes: 1024 * 1024 });
  });
  afterAll(async () => {
    await t.app.close();
  });

  it('5 MB and 20 MB bodies, ten times each over keep-alive fetch: every one answered 413 problem+json, none reset', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', CLIENT, t.url, '5,20', '10'], { timeout: 50_000, maxBuffer: 1 << 20 });
    const results = JSON.parse(stdout) as { mb: number; status?: number; type?: string; code?: string; error?: string }[];
    expect(results).toHaveLength(20);
    expect(results).toEqual(results.map(({ mb }) => ({ mb, status: 413, type: PROBLEM_CONTENT_TYPE, code: 'payload_too_large' })));
    // The app still answers afterwards.
    expect((await fetch(`${t.url}/things/1`)).status).toBe(200);
  }, 55_000);

  /** Declares a 1 GB body and keeps sending `chunk` every `everyMs`, past the server's FIN, until the server hangs up. */
  async function endlessBody(chunk: number, everyMs: number) {
    const socket = await openSocket(t.url, { allowHalfOpen: true });
    let received = '';
    let sent = 0;
    socket.on('data', (data: Buffer) => (received += data.toString('latin1')));
    socket.on('error', () => undefined);
    socket.write(`POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${1024 ** 3}\r\n\r\n`);
    const started = Date.now();
    const block = Buffer.alloc(chunk, 0x20);
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      const pump = () => {
        if (socket.destroyed) return;
        sent += chunk;
        if (socket.write(block)) setTimeout(pump, everyMs);
        else socket.once('drain', pump);
      };
      pump();
    });
    return { answer: parseRawAnswer(received), sent, ms: Date.now() - started };
  }

  it(`a client that never stops sending gets its 413 and is cut off within ${LINGER_MS / 1000} s, having sent at most ${LINGER_BYTES / 1024 ** 2} MiB more`, async () => {
    const { answer, sent, ms } = await endlessBody(256 * 1024, 0);
    expect(answer.status).toBe(413);
    expect(ms).toBeLessThan(LINGER_MS + 2_000);
    expect(sent).toBeLessThan(LINGER_BYTES + 32 * 1024 ** 2); // plus what the socket buffers held
  }, 30_000);

  it(`a client that trickles forever gets its 413 and is cut off after ${LINGER_MS / 1000} s`, async () => {
    const { answer, ms } = await endlessBody(1024, 100);
    expect(answer.status).toBe(413);
    expect(ms).toBeGreaterThanOrEqual(LINGER_MS - 100);
    expect(ms).toBeLessThan(LINGER_MS + 2_000);
  }, 30_000);
});
