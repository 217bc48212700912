import { type ArgumentMetadata, ValidationPipe, type ValidationError, type ValidationPipeOptions } from '@nestjs/common';
import { DomainError } from '@partner-ledger/domain';
import type { ProblemFieldError } from './problem.js';

export const VALIDATION_FAILED = 'validation_failed';

/**
 * class-validator nests errors by property (`partner` → `key`, `tiers` → `0` → `level`); clients
 * want one flat list they can map onto form fields, so the path is spelled with dots.
 */
export function flattenValidationErrors(errors: readonly ValidationError[], parent = ''): ProblemFieldError[] {
  const out: ProblemFieldError[] = [];
  for (const error of errors) {
    const property = error.property ?? '';
    const field = parent && property ? `${parent}.${property}` : parent || property;
    if (error.constraints && Object.keys(error.constraints).length > 0) {
      // A body that is not an object at all fails on no property: it is the body that is wrong.
      out.push({ field: field || 'body', reason: Object.values(error.constraints).join('; ') });
    }
    if (error.children && error.children.length > 0) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

export function validationProblem(errors: readonly ValidationError[]): DomainError {
  const fields = flattenValidationErrors(errors);
  const detail = fields.length === 0 ? 'The request is invalid.' : `Invalid request: ${fields.map((f) => `${f.field} (${f.reason})`).join(', ')}`;
  return new DomainError('validation', VALIDATION_FAILED, detail, undefined, fields);
}

/**
 * Unknown properties are refused rather than silently dropped: a misspelt optional field would
 * otherwise be accepted and ignored, which is worse for an API client than a 400.
 */
export function createValidationPipe(overrides: ValidationPipeOptions = {}): ValidationPipe {
  return new BodyValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // The errors never reach the client as they are; their values and targets need not be kept.
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationProblem(errors),
    ...overrides,
  });
}

const PRIMITIVES: unknown[] = [String, Number, Boolean, Object, Array];

/**
 * A DTO body must be a JSON object. ValidationPipe lets `null` (and so a body of `null`) through
 * untouched, which would reach handlers as "no fields given". An absent body stays allowed: routes
 * whose fields are all optional take none.
 */
class BodyValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata) {
    const dto = metadata.type === 'body' && typeof metadata.metatype === 'function' && !PRIMITIVES.includes(metadata.metatype);
    if (dto && value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw new DomainError('validation', VALIDATION_FAILED, 'The request body must be a JSON object.', undefined, [{ field: 'body', reason: 'must be a JSON object' }]);
    }
    return super.transform(value, metadata);
  }
}
