import { applyDecorators, createParamDecorator, type ExecutionContext, type Type } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { invalid } from '@partner-ledger/domain';
import type { ExpectedRevision } from '@partner-ledger/event-store';

/**
 * Optimistic concurrency for clients: an entity's ETag is the revision of its stream (a strong
 * validator, `"3"`), and `If-Match` sends it back as the expected revision of the next append.
 */
export const etagOf = (revision: bigint): string => `"${revision}"`;

/**
 * `"<revision>"` → that revision; `*` → the stream must exist; absent → no precondition. Anything
 * else (a weak tag, a list, a tag this API never gave) is refused: guessing would defeat the check.
 */
export function parseIfMatch(header: string | string[] | undefined): ExpectedRevision | undefined {
  if (header === undefined) return undefined;
  const value = (Array.isArray(header) ? header.join(',') : header).trim();
  if (value === '*') return 'stream_exists';
  const match = /^"(\d{1,19})"$/.exec(value);
  if (!match) throw invalid('invalid_if_match', 'If-Match must be one ETag this API returned, e.g. "3" (quotes included), or *', 'If-Match');
  return BigInt(match[1]);
}

/** The expected revision a command's `If-Match` header asks for, or undefined. */
export const IfMatch = createParamDecorator((_data: unknown, context: ExecutionContext) => parseIfMatch(context.switchToHttp().getRequest<FastifyRequest>().headers['if-match']));

/** What a command on an entity answers: the body, and the stream revision it reflects (its ETag). */
export interface Versioned<T> {
  body: T;
  revision: bigint;
}

/** Sets the ETag header from the revision and returns the body for Nest to serialise. */
export function withEtag<T>(reply: FastifyReply, result: Versioned<T>): T {
  void reply.header('etag', etagOf(result.revision));
  return result.body;
}

const ETAG_HEADER = { ETag: { description: "The entity's stream revision, quoted; send it back in If-Match", schema: { type: 'string', example: '"3"' } } };

/** OpenAPI: the response carries the entity's ETag. */
export const ApiEtag = (status = 200, type?: Type<unknown>) =>
  ApiResponse({ status, description: 'Success; `ETag` is the revision of the entity the body reflects', headers: ETAG_HEADER, ...(type ? { type } : {}) });

/** OpenAPI: the command takes If-Match, answers the new ETag, and may answer 412. */
export const ApiIfMatch = (status = 200, type?: Type<unknown>) =>
  applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: 'An ETag of this entity (e.g. "3"): the command applies only if the entity is still at that revision. 400 `invalid_if_match` when malformed.',
    }),
    ApiEtag(status, type),
    ApiResponse({ status: 412, description: '`precondition_failed`: the entity changed since that ETag; nothing was written. Read it again and retry.' }),
  );
