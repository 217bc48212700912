import { applyDecorators, Controller, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ValidateBy, ValidateIf, type ValidationOptions } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { type Actor, JsonNumber } from '@partner-ledger/domain';
import { AuthGuard, type Principal } from '../auth/auth.guard.js';
import type { CommandContext } from './command-context.js';

/** A `/v1` controller behind bearer-key auth, grouped under `tag` in the OpenAPI document. */
export const ApiController = (tag: string) => applyDecorators(Controller('v1'), UseGuards(AuthGuard), ApiBearerAuth(), ApiTags(tag));

/** An error response in the OpenAPI document: problem+json, `description` naming its codes. */
export const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });

/** The actor a request's key stands for: the admin, or a program's own key (named by its program). */
export function actorOf(principal: Principal | undefined): Actor {
  // Every route that issues commands is behind the AuthGuard, which sets the principal first.
  if (!principal) throw new Error('no principal: the route is not behind the AuthGuard');
  return principal.role === 'admin' ? { type: 'ADMIN' } : { type: 'PROGRAM_KEY', id: principal.programId };
}

export const contextOf = (request: FastifyRequest, source: CommandContext['source'] = 'api'): CommandContext => ({
  correlationId: String(request.id),
  source,
  actor: actorOf(request.principal),
});

/**
 * Amounts arrive as "149.99" or 149.99; the domain parses them exactly (a number by the text the
 * sender wrote: JsonNumber), this only checks the type.
 */
/** An amount's schema in the OpenAPI document: what IsAmount accepts (the type reflected from AmountInput is only `object`). */
export const AMOUNT_SCHEMA = { oneOf: [{ type: 'string' }, { type: 'number' }] };

export const IsAmount = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isAmount',
      validator: {
        validate: (value: unknown) =>
          (typeof value === 'string' && value.length <= 32) || (typeof value === 'number' && Number.isFinite(value)) || (value instanceof JsonNumber && value.text.length <= 32),
        defaultMessage: (args) => `${args?.property} must be a decimal amount as a string ("149.99") or a number`,
      },
    },
    options,
  );

/**
 * An optional field that may be left out but not sent as null: class-validator's @IsOptional lets
 * null through, and a null key would then be looked up as if it were the text "null".
 */
export const Optional = () => ValidateIf((_object, value) => value !== undefined);

/** Positions are bigints; JSON carries them as strings. */
export const position = (p: bigint) => String(p);
