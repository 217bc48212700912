import type { FastifyInstance } from 'fastify';
import { makeProblem, PROBLEM_CONTENT_TYPE } from './problem.js';

/**
 * Lets a closing server finish. Node's `server.close()` reaps only the keep-alive sockets idle at
 * that moment; a request still in a handler then answers with `Keep-Alive: timeout=72`, and its
 * client keeps the socket open for up to 72 s, so the close (and a SIGTERM) waited that long. From
 * the start of the close, every answer says `Connection: close`, so each socket ends with its
 * response. A request that arrives after the close began is answered `503 shutting_down`
 * (problem+json, `Connection: close`) without running: the app's stores may already be closing.
 * Fastify's own 503 for it (plain JSON) is turned off where the app is built (`return503OnClosing`).
 */
export function closeConnectionsAfterResponseWhileClosing(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
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
