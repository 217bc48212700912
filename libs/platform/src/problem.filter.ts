import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';

/**
 * Catches everything, so no error leaves the app in Nest's or Fastify's own JSON shape. Nest routes
 * Fastify's error handler (body parsing, body limit, media type) and its not-found handler through
 * the global filters, so this one filter covers those paths too; the platform spec proves it with
 * real requests.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  /** `logger` serves only when a request has no logger of its own (raw Node responses). */
  constructor(private readonly logger?: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    // Outside HTTP (RPC, WebSocket) there is no response to write: that transport's handling applies.
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest | IncomingMessage>();
    const response = http.getResponse<FastifyReply | ServerResponse>();

    const fastifyRequest = isFastifyRequest(request) ? request : undefined;
    const url = fastifyRequest?.url ?? request.url ?? '';
    const { problem, unexpected } = toProblem(exception, {
      url,
      method: request.method,
      unmatchedRoute: fastifyRequest?.is404 === true,
    });

    const log = fastifyRequest?.log ?? this.logger;
    if (unexpected) log?.error({ err: exception, url }, 'unhandled error');
    else if (problem.status >= 500) log?.warn({ err: exception, url, code: problem.code }, 'server error answered');

    // Bytes rather than a string: Fastify appends `; charset=utf-8` to string payloads, and the
    // media type is meant to be matched exactly.
    const body = Buffer.from(JSON.stringify(problem));
    if (isFastifyReply(response)) {
      if (response.sent || response.raw.headersSent) return;
      response.code(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
      return;
    }
    if (response.headersSent) {
      // Too late for a status line: cutting the connection is the only honest signal left.
      response.destroy();
      return;
    }
    response.statusCode = problem.status;
    response.setHeader('content-type', PROBLEM_CONTENT_TYPE);
    response.end(body);
  }
}

function isFastifyRequest(request: FastifyRequest | IncomingMessage): request is FastifyRequest {
  return 'raw' in request && 'log' in request;
}

function isFastifyReply(response: FastifyReply | ServerResponse): response is FastifyReply {
  return 'raw' in response && typeof (response as FastifyReply).code === 'function';
}
