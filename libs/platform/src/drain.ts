import type { FastifyInstance } from 'fastify';

/**
 * Lets a closing server finish. Node's `server.close()` reaps only the keep-alive sockets idle at
 * that moment; a request still in a handler then answers with `Keep-Alive: timeout=72`, and its
 * client keeps the socket open for up to 72 s, so the close (and a SIGTERM) waited that long. From
 * the start of the close, every answer says `Connection: close`, so each socket ends with its
 * response.
 */
export function closeConnectionsAfterResponseWhileClosing(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (closing && request.raw.httpVersionMajor < 2) reply.header('connection', 'close');
    done(null, payload);
  });
}
