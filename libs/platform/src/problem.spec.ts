import { BadRequestException, HttpException, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import type { ValidationError } from 'class-validator';
import { DomainError, invalid, notFound, unprocessable } from '@partner-ledger/domain';
import { codeForStatus, INTERNAL_ERROR_DETAIL, toProblem } from './problem.js';
import { flattenValidationErrors } from './validation.js';

const ctx = { url: '/v1/things?x=1', method: 'GET' };

describe('toProblem', () => {
  it.each([
    ['validation', invalid('bad_amount', 'amount must be positive', 'amount'), 400],
    ['not_found', notFound('partner_not_found', 'no such partner'), 404],
    ['unprocessable', unprocessable('mapping_incomplete', 'email is not mapped', 'email'), 422],
    ['forbidden', new DomainError('forbidden', 'program_mismatch', 'wrong program'), 403],
  ] as const)('maps a DomainError of kind %s', (_kind, error, status) => {
    const { problem, unexpected } = toProblem(error, ctx);
    expect(unexpected).toBe(false);
    expect(problem).toMatchObject({ status, code: error.code, detail: error.message, instance: '/v1/things?x=1' });
    expect(problem.errors).toEqual(error.field ? [{ field: error.field, reason: error.message }] : undefined);
  });

  it('derives HttpException codes from the status, or takes the response code', () => {
    expect(toProblem(new UnauthorizedException('no key'), ctx).problem).toMatchObject({ status: 401, code: 'unauthorized', detail: 'no key' });
    expect(toProblem(new HttpException('slow down', 429), ctx).problem.code).toBe('rate_limited');
    expect(toProblem(new HttpException({ code: 'key_revoked', message: 'revoked' }, 403), ctx).problem).toMatchObject({
      status: 403,
      code: 'key_revoked',
      detail: 'revoked',
    });
    expect(toProblem(new BadRequestException(['a is bad', 'b is bad']), ctx).problem.detail).toBe('a is bad; b is bad');
    expect(toProblem(new DomainError('validation', 'validation_failed', 'bad', undefined, [{ field: 'f', reason: 'r' }]), ctx).problem).toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'f', reason: 'r' }],
    });
  });

  it('tells an unmatched route from a handler 404', () => {
    expect(toProblem(new NotFoundException(), { ...ctx, unmatchedRoute: true }).problem).toMatchObject({
      code: 'route_not_found',
      detail: 'No route for GET /v1/things',
    });
    expect(toProblem(new NotFoundException(), ctx).problem.code).toBe('not_found');
  });

  it('maps raw Fastify-style errors by code, and other 4xx by status', () => {
    const fst = Object.assign(new Error('Unsupported Media Type'), { name: 'FastifyError', code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 });
    expect(toProblem(fst, ctx).problem).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    const teapot = Object.assign(new Error('short and stout'), { statusCode: 418 });
    expect(toProblem(teapot, ctx).problem).toMatchObject({ status: 418, code: 'i_m_a_teapot' });
  });

  it('hides unexpected errors behind a generic 500', () => {
    for (const error of [new Error('SELECT * FROM secrets'), 'a string', Object.assign(new Error('x'), { statusCode: 502 })]) {
      const { problem, unexpected } = toProblem(error, ctx);
      expect(unexpected).toBe(true);
      expect(problem).toMatchObject({ status: 500, code: 'internal_error', detail: INTERNAL_ERROR_DETAIL });
    }
  });

  it('names statuses outside the table from their reason phrase', () => {
    expect(codeForStatus(405)).toBe('method_not_allowed');
    expect(codeForStatus(503)).toBe('service_unavailable');
    expect(codeForStatus(500)).toBe('internal_error');
  });
});

describe('flattenValidationErrors', () => {
  it('spells nested and array paths with dots and joins the messages', () => {
    const errors: ValidationError[] = [
      { property: 'name', constraints: { isString: 'name must be a string', isNotEmpty: 'name should not be empty' }, children: [] },
      {
        property: 'tiers',
        children: [{ property: '0', children: [{ property: 'level', constraints: { isInt: 'level must be an integer number' }, children: [] }] }],
      },
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { field: 'name', reason: 'name must be a string; name should not be empty' },
      { field: 'tiers.0.level', reason: 'level must be an integer number' },
    ]);
  });
});
