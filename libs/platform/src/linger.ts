import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';

/** How long, and how many more bytes, a closing connection keeps reading what its client still sends. */
export const LINGER_MS = 5_000;
export const LINGER_BYTES = 64 * 1024 * 1024;

/**
 * Lets a client see an answer given before its body was read (a 413 over the body limit, sent on
 * the Content-Length alone, with `Connection: close`). Node ends such a connection with
 * `destroySoon()`: once the answer is written the socket is closed, and the kernel answers the body
 * still arriving with a reset, which a client still writing reports as EPIPE or ECONNRESET instead
 * of the status. Here the connection half-closes instead (the answer, then FIN) and reads and drops
 * what the client still sends until it hangs up, for at most LINGER_MS and LINGER_BYTES (a
 * "lingering close", as web servers have long done).
 */
export function lingerAfterEarlyAnswers(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, _reply, payload, done) => {
    const socket = request.raw.socket as (Socket & { destroySoon?: () => void }) | null;
    if (!request.raw.complete && socket && typeof socket.destroySoon === 'function') socket.destroySoon = () => lingeringClose(socket);
    done(null, payload);
  });
}

/** Ends the connection once what was written is sent, reading and dropping what still arrives meanwhile. */
export function lingeringClose(socket: Socket): void {
  if (socket.destroyed) return;
  let read = 0;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > LINGER_BYTES) socket.destroy();
  });
  socket.end();
  socket.resume();
}
