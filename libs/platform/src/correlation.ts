import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const CORRELATION_HEADER = 'x-correlation-id';

// The id ends up in logs, event metadata and response headers: a caller must not be able to inject
// line breaks, markup or megabytes through it.
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function isSaneCorrelationId(value: unknown): value is string {
  return typeof value === 'string' && SANE_ID.test(value);
}

/**
 * Fastify's `genReqId`. Fastify's own `requestIdHeader` would accept any header value, so the
 * adapter is configured with `requestIdHeader: false` and the header is vetted here instead.
 */
export function genCorrelationId(req: IncomingMessage): string {
  const incoming = req.headers[CORRELATION_HEADER];
  return isSaneCorrelationId(incoming) ? incoming : randomUUID();
}

/** The caller can only match our logs to its request if every response says which id it got. */
export function registerCorrelationHeader(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header(CORRELATION_HEADER, request.id);
    done();
  });
}

export function correlationIdOf(request: Pick<FastifyRequest, 'id'>): string {
  return String(request.id);
}

/** `@CorrelationId() id: string` in a handler, to carry the id into command/event metadata. */
export const CorrelationId = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => correlationIdOf(ctx.switchToHttp().getRequest<FastifyRequest>()));
