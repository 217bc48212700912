import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';
import { lingeringClose } from './linger.js';
import { makeProblem, PROBLEM_CONTENT_TYPE } from './problem.js';

/**
 * What Node's HTTP parser refuses before any route or hook sees a request: its `clientError`, in
 * the problem+json shape every other refusal has. Stable codes: `headers_too_large` (431, past
 * Node's header size limit), `request_timeout` (408, headers or body slower than the configured
 * timeouts), `malformed_request` (400, anything else the parser refuses: a NUL in a header,
 * obs-fold, a bad chunk size…).
 */
export function answerClientError(fastify: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody to answer; a refused one is answered once (the parser reports
  // each further chunk the client sends as one more error).
  if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
  answered.add(socket);
  const [status, code, detail] = classify(error.code);
  fastify.log.debug({ err: error, code }, 'client error answered');
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(makeProblem(status, code, detail, ''));
  socket.write(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  // What the client still sends (the rest of an oversized header) is read and dropped, so its
  // arrival does not reset the connection before the client has read the answer.
  lingeringClose(socket);
}

const answered = new WeakSet<Socket>();

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

function classify(code: string | undefined): [number, string, string] {
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'headers_too_large', 'The request headers are larger than the server accepts.'];
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'request_timeout', 'The request headers or body did not arrive in time.'];
  return [400, 'malformed_request', `The request is not valid HTTP/1.1 (${code ?? 'parse error'}).`];
}
