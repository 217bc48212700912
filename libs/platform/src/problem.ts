import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { DomainError, type DomainErrorKind } from '@partner-ledger/domain';

/** RFC 9457 problem details, plus the stable `code` clients switch on. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance: string;
  errors?: ProblemFieldError[];
}

export interface ProblemFieldError {
  field: string;
  reason: string;
  /** Incoming webhooks: the path in the sender's JSON the field was taken from. */
  path?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://partner-ledger.dev/problems/';

export const problemType = (code: string): string => PROBLEM_TYPE_BASE + code;

/**
 * The one place a refusal's kind becomes an HTTP status. Every refusal is a DomainError (from the
 * domain, the application, the auth guard or the incoming-webhook runner); the framework's own
 * errors (body parsing, unknown routes) are mapped below by status or Fastify code.
 */
export const STATUS_BY_KIND: Readonly<Record<DomainErrorKind, number>> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

export const statusOfKind = (kind: DomainErrorKind): number => STATUS_BY_KIND[kind] ?? 400;

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
};

const CODE_BY_FASTIFY_CODE: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_MAX_PARAM_LENGTH: 'path_parameter_too_long',
  FST_ERR_BAD_URL: 'malformed_url',
};

export const INTERNAL_ERROR_DETAIL = 'An unexpected error occurred. It has been logged with the correlation id.';

/** For statuses outside the table, e.g. 405 → `method_not_allowed`. */
export function codeForStatus(status: number): string {
  if (status === 500) return 'internal_error';
  return CODE_BY_STATUS[status] ?? snake(STATUS_CODES[status] ?? `http_${status}`);
}

/** What the error becomes on the wire, and whether it is our fault (to be logged with its stack). */
export interface ProblemDecision {
  problem: Problem;
  unexpected: boolean;
}

export interface ProblemContext {
  /** The request URL, used as `instance`. */
  url: string;
  /** True when no route matched the request: its 404 gets `route_not_found`. */
  unmatchedRoute?: boolean;
  method?: string;
}

/** The one shape of a problem; `instance` is the request URL (empty when it could not be read). */
export function makeProblem(status: number, code: string, detail: string, instance: string, errors?: ProblemFieldError[]): Problem {
  return {
    type: problemType(code),
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    code,
    instance,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

export function toProblem(error: unknown, ctx: ProblemContext): ProblemDecision {
  const make = (status: number, code: string, detail: string, errors?: ProblemFieldError[]): ProblemDecision => ({
    problem: makeProblem(status, code, detail, ctx.url, errors),
    unexpected: false,
  });

  if (error instanceof DomainError) {
    return make(statusOfKind(error.kind), error.code, error.message, error.fieldErrors);
  }

  if (error instanceof HttpException) {
    const status = error.getStatus();
    // Nest wraps Fastify's 4xx errors (body parsing…) in an HttpException; their own code is the
    // precise one.
    const fastifyCode = fastifyCodeOf(error.cause);
    if (fastifyCode && CODE_BY_FASTIFY_CODE[fastifyCode]) {
      return make(status, CODE_BY_FASTIFY_CODE[fastifyCode], error.message);
    }
    if (status === 404 && ctx.unmatchedRoute) {
      return make(404, 'route_not_found', `No route for ${ctx.method ?? 'this method'} ${pathOf(ctx.url)}`);
    }
    const response = error.getResponse();
    const body = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
    const code = typeof body.code === 'string' && body.code ? body.code : codeForStatus(status);
    return make(status, code, detailOf(body.message, error.message), fieldErrorsOf(body.errors));
  }

  // Errors Nest did not wrap (e.g. raised before its exception layer) still carry Fastify's status.
  const status = statusCodeOf(error);
  if (status !== undefined && status >= 400 && status < 500) {
    const fastifyCode = fastifyCodeOf(error);
    const code = (fastifyCode && CODE_BY_FASTIFY_CODE[fastifyCode]) || codeForStatus(status);
    const exposed = (error as { expose?: boolean }).expose !== false;
    return make(status, code, exposed && error instanceof Error ? error.message : (STATUS_CODES[status] ?? 'Client error'));
  }

  // Never echo the message of an unexpected error: it can hold SQL, paths or secrets.
  return { ...make(500, 'internal_error', INTERNAL_ERROR_DETAIL), unexpected: true };
}

function fastifyCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('FST_') ? code : undefined;
}

function statusCodeOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' && Number.isInteger(status) ? status : undefined;
}

function detailOf(message: unknown, fallback: string): string {
  if (typeof message === 'string' && message) return message;
  if (Array.isArray(message) && message.length > 0) return message.map(String).join('; ');
  return fallback;
}

function fieldErrorsOf(errors: unknown): ProblemFieldError[] | undefined {
  if (!Array.isArray(errors)) return undefined;
  return errors.filter((e): e is ProblemFieldError => typeof e === 'object' && e !== null && typeof e.field === 'string' && typeof e.reason === 'string');
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function snake(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}
