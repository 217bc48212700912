import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { lingeringClose } from './linger.js';
import { makeProblem, PROBLEM_CONTENT_TYPE } from './problem.js';

/** A close waits until no connection or request has arrived for this long… */
export const CLOSE_QUIET_MS = 100;
/** …but no longer than this. */
export const CLOSE_GRACE_MAX_MS = 2_000;
/** How long a connection without a request in progress is left to send one once the listener closed. */
export const CLOSE_IDLE_GRACE_MS = 250;

/**
 * Lets a closing server finish. Node's `server.close()` reaps only the keep-alive sockets idle at
 * that moment; a request still in a handler then answers with `Keep-Alive: timeout=72`, and its
 * client keeps the socket open for up to 72 s, so the close (and a SIGTERM) waited that long. From
 * the start of the close, every answer says `Connection: close`, so each socket ends with its
 * response. A request that arrives after the close began is answered `503 shutting_down`
 * (problem+json, `Connection: close`) without running: the app's stores may already be closing.
 * Fastify's own 503 for it (plain JSON) is turned off where the app is built (`return503OnClosing`).
 *
 * Closing the listener at once would reset every connection a busy server had not yet accepted or
 * read a request from (a SIGTERM into a burst of 200 requests reset 198 of them): the kernel resets
 * its accept queue, and Node destroys accepted sockets whose request it has not parsed yet. So the
 * listener stays open until arrivals have been quiet for CLOSE_QUIET_MS (at most
 * CLOSE_GRACE_MAX_MS), and whatever arrives meanwhile gets its 503. A quiet server closes at once.
 * Then Node destroys every connection without a request in progress, resetting a request still on
 * its way; instead such a connection has CLOSE_IDLE_GRACE_MS to send it (answered 503), then ends
 * without a reset.
 */
export function closeConnectionsAfterResponseWhileClosing(fastify: FastifyInstance): void {
  let closing = false;
  let lastArrival = 0;
  const sockets = new Set<Socket>();
  fastify.server.on('connection', (socket: Socket) => {
    lastArrival = Date.now();
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // Node's server.close() calls this; its own version destroys the connections at once.
  fastify.server.closeIdleConnections = () => {
    for (const socket of sockets) {
      if (!inProgress(socket)) setTimeout(() => !socket.destroyed && !inProgress(socket) && lingeringClose(socket), CLOSE_IDLE_GRACE_MS).unref();
    }
  };
  fastify.addHook('preClose', async () => {
    closing = true;
    const deadline = Date.now() + CLOSE_GRACE_MAX_MS;
    for (let quietFor = Date.now() - lastArrival; quietFor < CLOSE_QUIET_MS && Date.now() < deadline; quietFor = Date.now() - lastArrival) {
      await sleep(Math.min(CLOSE_QUIET_MS - quietFor, deadline - Date.now()));
    }
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    lastArrival = Date.now();
    if (!closing) return done();
    const problem = makeProblem(503, 'shutting_down', 'The server is shutting down; send the request again (another instance, or this one once it is back).', request.url);
    void reply
      .code(503)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .header('retry-after', '1')
      .send(Buffer.from(JSON.stringify(problem)));
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (closing && request.raw.httpVersionMajor < 2) reply.header('connection', 'close');
    done(null, payload);
  });
}

/** Node sets the response a connection is answering (from the moment its request was parsed) on the socket. */
const inProgress = (socket: Socket) => Boolean((socket as Socket & { _httpMessage?: unknown })._httpMessage);
