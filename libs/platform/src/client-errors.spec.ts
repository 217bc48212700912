import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openSocket, parseRawAnswer, rawRequest, readUntilClosed, type RawAnswer } from '@partner-ledger/testing';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { startTestApp, type RunningApp } from './test-app.fixture.js';

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
    expectProblem(await rawRequest(t.url, 'GET /things/1 HTTP/1.1\r\nHost: x\r\nX-Bad: a\0b\r\n\r\n'), 400, 'malformed_request');
  });

  it('an obs-fold header line → 400 malformed_request', async () => {
    expectProblem(await rawRequest(t.url, 'GET /things/1 HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n  b\r\n\r\n'), 400, 'malformed_request');
  });

  it('a 100 KB header → 431 headers_too_large, read by a client still sending it', async () => {
    const answer = await rawRequest(t.url, `GET /things/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`);
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
    const late = await openSocket(t.url);
    const answer = readUntilClosed(late);
    late.write('GET /things/1 HTTP/1.1\r\nHost: x\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = t.app.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    late.write('\r\n');
    const refused = parseRawAnswer(await answer);
    expectProblem(refused, 503, 'shutting_down');
    expect(refused.headers.connection).toBe('close');
    expect((await inFlight).status).toBe(200);
    await closed;
  });
});

describe('while the app closes, a connection that has sent nothing yet (real HTTP on loopback)', () => {
  it('is left time to send its request, which is answered 503 shutting_down, instead of being reset; then the close completes', async () => {
    const t = await startTestApp();
    const idle = await openSocket(t.url);
    const answer = readUntilClosed(idle);
    const inFlight = fetch(`${t.url}/things/slow/400`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    const closed = t.app.close().then(() => Date.now() - started);
    // After the quiet wait the listener has closed; Node alone would have destroyed this socket.
    await new Promise((resolve) => setTimeout(resolve, 200));
    idle.write('POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"name":"a"}');
    const refused = parseRawAnswer(await answer);
    expectProblem(refused, 503, 'shutting_down');
    expect(refused.headers.connection).toBe('close');
    expect((await inFlight).status).toBe(200);
    expect(await closed).toBeLessThan(3_000);
  });

  it('a quiet app with an idle keep-alive connection closes promptly, ending that connection without a reset', async () => {
    const t = await startTestApp();
    const idle = await openSocket(t.url);
    const ended = readUntilClosed(idle);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const started = Date.now();
    await t.app.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await ended).toBe('');
  });
});
