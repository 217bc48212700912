import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { createHttpApp } from './bootstrap.js';
import { createLogger } from './logger.js';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { startTestApp, testModule, type RunningApp } from './test-app.fixture.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function parseAnswer(raw: string): RawAnswer {
  const end = raw.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: raw.slice(end + 4) };
}

function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends until it closes the connection. */
function readAll(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.once('end', () => resolve(text));
    socket.once('error', (error) => (text ? resolve(text) : reject(error)));
  });
}

/** Sends raw bytes as one request and reads the answer of a server that closes afterwards. */
async function raw(url: string, request: string): Promise<RawAnswer> {
  const socket = await open(url);
  const answer = readAll(socket);
  socket.write(request, 'latin1');
  return parseAnswer(await answer);
}

function expectProblem(answer: RawAnswer, status: number, code: string) {
  expect({ status: answer.status, type: answer.headers['content-type'], code: (JSON.parse(answer.body) as { code: string }).code }).toEqual({
    status,
    type: PROBLEM_CONTENT_TYPE,
    code,
  });
}

describe("the HTTP parser's refusals are problem+json (raw sockets on loopback)", () => {
  let t: RunningApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.app.close();
  });

  it('a NUL in a header → 400 malformed_request', async () => {
    expectProblem(await raw(t.url, 'GET /things/1 HTTP/1.1\r\nHost: x\r\nX-Bad: a\0b\r\n\r\n'), 400, 'malformed_request');
  });

  it('an obs-fold header line → 400 malformed_request', async () => {
    expectProblem(await raw(t.url, 'GET /things/1 HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n  b\r\n\r\n'), 400, 'malformed_request');
  });

  it('a 100 KB header → 431 headers_too_large, read by a client still sending it', async () => {
    const answer = await raw(t.url, `GET /things/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`);
    expectProblem(answer, 431, 'headers_too_large');
    expect(answer.headers.connection).toBe('close');
  });

  it('the app still answers afterwards', async () => {
    expect((await fetch(`${t.url}/things/1`)).status).toBe(200);
  });
});

describe('while the app closes (real HTTP on loopback)', () => {
  it('a request that arrives is answered 503 shutting_down problem+json with Connection: close, not reset', async () => {
    const t = await startTestApp();
    // One request in flight keeps the close going; a second client has begun its request.
    const inFlight = fetch(`${t.url}/things/slow/600`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const late = await open(t.url);
    const answer = readAll(late);
    late.write('GET /things/1 HTTP/1.1\r\nHost: x\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = t.app.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    late.write('\r\n');
    const refused = parseAnswer(await answer);
    expectProblem(refused, 503, 'shutting_down');
    expect(refused.headers.connection).toBe('close');
    expect((await inFlight).status).toBe(200);
    await closed;
  });
});

describe('while the app closes, a connection that has sent nothing yet (real HTTP on loopback)', () => {
  it('is left time to send its request, which is answered 503 shutting_down, instead of being reset; then the close completes', async () => {
    const t = await startTestApp();
    const idle = await open(t.url);
    const answer = readAll(idle);
    const inFlight = fetch(`${t.url}/things/slow/400`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    const closed = t.app.close().then(() => Date.now() - started);
    // After the quiet wait the listener has closed; Node alone would have destroyed this socket.
    await new Promise((resolve) => setTimeout(resolve, 200));
    idle.write('POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"name":"a"}');
    const refused = parseAnswer(await answer);
    expectProblem(refused, 503, 'shutting_down');
    expect(refused.headers.connection).toBe('close');
    expect((await inFlight).status).toBe(200);
    expect(await closed).toBeLessThan(3_000);
  });

  it('a quiet app with an idle keep-alive connection closes promptly, ending that connection without a reset', async () => {
    const t = await startTestApp();
    const idle = await open(t.url);
    const ended = readAll(idle);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const started = Date.now();
    await t.app.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await ended).toBe('');
  });
});

describe('slow and idle clients (headers timeout 2 s, request timeout 4 s)', () => {
  it('300 idle sockets and one client sending a byte a second do not stop /health and a command; the slow one gets 408 request_timeout', async () => {
    const app = await createHttpApp(testModule(), {
      logger: createLogger({ level: 'silent' }),
      title: 't',
      headersTimeoutMs: 2_000,
      requestTimeoutMs: 4_000,
    });
    await app.listen(0, '127.0.0.1');
    const url = await app.getUrl();
    const idle = await Promise.all(Array.from({ length: 300 }, () => open(url)));
    for (const socket of idle) socket.on('error', () => undefined);

    const slow = await open(url);
    const slowAnswer = readAll(slow);
    const request = 'GET /things/1 HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(100);
    let sent = 0;
    const drip = setInterval(() => {
      if (!slow.destroyed && slow.writable) slow.write(request[sent++ % request.length]);
    }, 1000);
    try {
      const started = Date.now();
      const times: number[] = [];
      while (Date.now() - started < 3_000) {
        const t0 = Date.now();
        const health = await fetch(`${url}/health`);
        const command = await fetch(`${url}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"a"}' });
        expect([health.status, command.status]).toEqual([200, 201]);
        times.push(Date.now() - t0);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(Math.max(...times)).toBeLessThan(1_000);
      const answer = parseAnswer(await slowAnswer);
      expectProblem(answer, 408, 'request_timeout');
      // Timed out near the headers timeout, not Node's default minute.
      expect(Date.now() - started).toBeLessThan(6_000);
    } finally {
      clearInterval(drip);
      for (const socket of [...idle, slow]) socket.destroy();
      await app.close();
    }
  }, 20_000);
});
