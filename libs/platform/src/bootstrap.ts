import { NestFactory, type IEntryNestModule } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, LogController } from 'fastify';
import type { Socket } from 'node:net';
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { answerClientError } from './client-errors.js';
import { genCorrelationId, registerCorrelationHeader } from './correlation.js';
import { closeConnectionsAfterResponseWhileClosing } from './drain.js';
import { lingerAfterEarlyAnswers } from './linger.js';
import { DEFAULT_JSON_MAX_DEPTH, DEFAULT_JSON_MAX_KEYS, parseJsonBody } from './json-body.js';
import { PinoNestLogger } from '@partner-ledger/telemetry';
import { METRICS_REGISTRY, registerHttpMetrics } from './metrics.js';
import { mountOpenApi } from './openapi.js';
import { ProblemFilter } from './problem.filter.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';
import { registerHttpTracing } from '@partner-ledger/telemetry';
import { createValidationPipe } from './validation.js';

export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;
export const DEFAULT_HEADERS_TIMEOUT_MS = 30_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export interface HttpAppOptions {
  logger: Logger;
  /** Larger bodies get 413 `payload_too_large`. Default 1 MiB. */
  bodyLimitBytes?: number;
  /** A request whose headers take longer gets 408 `request_timeout`. Default 30 s. */
  headersTimeoutMs?: number;
  /** A request whose headers and body take longer gets 408 `request_timeout`. Default 60 s; at least headersTimeoutMs. */
  requestTimeoutMs?: number;
  /** JSON bodies nested deeper get 400 `json_too_deep`. Default 64. */
  jsonMaxDepth?: number;
  /** JSON bodies with more object keys get 400 `json_too_many_keys`. Default 10,000. */
  jsonMaxKeys?: number;
  /** OpenAPI title and version. */
  title: string;
  version?: string;
  description?: string;
  /** Only behind a proxy we run: it makes `request.ip` trust `X-Forwarded-For`. */
  trustProxy?: boolean;
  /** Keep the raw body on `request.rawBody` (for signature checks). */
  rawBody?: boolean;
}

/**
 * Builds (but does not start) a Nest app on Fastify with everything every app of ours shares. The
 * root module must import `PlatformModule.forRoot(...)`. Call `app.listen()` to start, `app.close()`
 * to stop; several apps may live in one process.
 */
export async function createHttpApp(rootModule: IEntryNestModule, opts: HttpAppOptions): Promise<NestFastifyApplication> {
  const headersTimeout = opts.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const requestTimeout = Math.max(opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, headersTimeout);
  const adapter = new FastifyAdapter({
    loggerInstance: opts.logger,
    genReqId: genCorrelationId,
    // Fastify would take the header verbatim; genCorrelationId vets it first.
    requestIdHeader: false,
    logController: correlationLogController(),
    bodyLimit: opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    // Ids and keys may be 128 characters and conversion ids encode a key (≈ 4/3 longer); Fastify's
    // default of 100 would answer 414 for ids the API itself handed out.
    routerOptions: { maxParamLength: 512 },
    // The router's own errors (over-long parameter, bad percent-encoding) are raised before Nest's
    // exception layer: answer them in the same problem+json shape.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const { problem } = toProblem(error, { url: request.url, method: request.method });
      reply
        .code(problem.status)
        .header('content-type', PROBLEM_CONTENT_TYPE)
        .send(Buffer.from(JSON.stringify(problem)));
    },
    trustProxy: opts.trustProxy ?? false,
    // A slow sender (one byte a second) holds a socket only this long. Node looks for overdue
    // requests every connectionsCheckingInterval (30 s by default, so a timeout could fire up to
    // 30 s late); once a second keeps them close to their values.
    requestTimeout,
    http: { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.min(1000, headersTimeout) },
    // drain.ts answers requests that arrive while closing, as problem+json.
    return503OnClosing: false,
    // What Node's HTTP parser refuses (431, 400, 408) is answered as problem+json too.
    clientErrorHandler(this: FastifyInstance, error: Error, socket: Socket) {
      answerClientError(this, error, socket);
    },
  });
  const fastify = adapter.getInstance();
  registerCorrelationHeader(fastify);
  registerHttpTracing(fastify);
  closeConnectionsAfterResponseWhileClosing(fastify);
  lingerAfterEarlyAnswers(fastify);

  const app = await NestFactory.create<NestFastifyApplication>(rootModule, adapter, {
    logger: new PinoNestLogger(opts.logger),
    bufferLogs: false,
    rawBody: opts.rawBody ?? false,
    // Nest's default exits the process on a DI error; a rejected promise lets main.ts log it and
    // lets a test fail instead of killing Jest.
    abortOnError: false,
  });

  const limits = { maxDepth: opts.jsonMaxDepth ?? DEFAULT_JSON_MAX_DEPTH, maxKeys: opts.jsonMaxKeys ?? DEFAULT_JSON_MAX_KEYS };
  // Replaces Fastify's JSON parser on every route: limits checked while parsing, amounts' text kept.
  app.useBodyParser('application/json', { bodyLimit: opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES }, (_request, body, done) => {
    done(null, parseJsonBody(body.toString('utf8'), limits));
  });

  const registry = await metricsRegistryOf(app);
  registerHttpMetrics(fastify, registry);
  app.useGlobalFilters(new ProblemFilter(opts.logger));
  app.useGlobalPipes(createValidationPipe());
  mountOpenApi(app, { title: opts.title, version: opts.version, description: opts.description });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  return app;
}

/**
 * One log line per request, when it completes, with the request, the response and its time (as
 * pino-http writes it), instead of Fastify's two (`incoming request`, then `request completed`):
 * the pair cost a busy engine twice the serialization for one fact; `incoming request` is still
 * written at debug level, for following a request that hangs. Lines carry the id as
 * `correlationId`, the name it has in event metadata, so one search finds both. Fastify checks the
 * controller with `instanceof`, so the class is taken from the copy of Fastify the adapter itself
 * loads, not whichever one resolves from here.
 */
function correlationLogController(): LogController {
  const fromHere = createRequire(import.meta.url);
  const fromAdapter = createRequire(fromHere.resolve('@nestjs/platform-fastify'));
  const { LogController: Controller } = fromAdapter('fastify') as { LogController: typeof LogController };
  class OneLinePerRequest extends Controller {
    override incomingRequest(request: FastifyRequest): void {
      if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
    }
    override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
      if (this.isLogDisabled(request)) return;
      if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
      else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    }
  }
  return new OneLinePerRequest({ requestIdLogLabel: 'correlationId' });
}

async function metricsRegistryOf(app: NestFastifyApplication): Promise<Registry> {
  try {
    return app.get<Registry>(METRICS_REGISTRY, { strict: false });
  } catch (cause) {
    await app.close();
    throw new Error('createHttpApp: the root module must import PlatformModule.forRoot(...)', { cause });
  }
}
