import { type CanActivate, type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { forbidden, unauthenticated } from '@partner-ledger/domain';
import { Lookups } from '../shared/lookups.js';
import { API_OPTIONS, type ApiOptions } from '../shared/tokens.js';
import { keyDigest, programIdOfKey, sameDigest } from './api-keys.js';

export type Principal = { role: 'admin' } | { role: 'program'; programId: string };
export const ADMIN_ONLY = 'partner-ledger:admin-only';
/** Routes only the admin key may call (creating programs). */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * Bearer keys: the admin key reaches everything; a program's key reaches only routes under its own
 * `/programs/:pid`. Unknown programs answer 404 only to callers allowed to see them.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly adminDigest: Buffer;

  constructor(
    @Inject(API_OPTIONS) options: ApiOptions,
    private readonly lookups: Lookups,
    private readonly reflector: Reflector,
  ) {
    this.adminDigest = keyDigest(options.adminApiKey);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = await this.authenticate(request.headers.authorization);
    request.principal = principal;
    const adminOnly = this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, [context.getHandler(), context.getClass()]);
    if (principal.role === 'admin') return true;
    if (adminOnly) throw forbidden('admin_key_required', 'this route needs the admin key');
    const pid = (request.params as Record<string, string> | undefined)?.pid;
    if (pid !== undefined && pid !== principal.programId) {
      throw forbidden('forbidden_program', 'this key does not reach that program');
    }
    return true;
  }

  private async authenticate(header: string | undefined): Promise<Principal> {
    const key = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
    if (!key) throw unauthenticated('missing_api_key', 'send Authorization: Bearer <api key>');
    // One SHA-256 per request, compared with both digests (five before: the guard, its program
    // lookup included, was 2.6 % of the engine's main thread at full ingest speed).
    const digest = keyDigest(key);
    if (sameDigest(digest, this.adminDigest)) return { role: 'admin' };
    const programId = programIdOfKey(key);
    const program = programId ? await this.lookups.program(programId) : null;
    if (!program || !sameDigest(digest, Buffer.from(program.apiKeyHash, 'hex'))) {
      throw unauthenticated('invalid_api_key', 'the API key is not valid');
    }
    return { role: 'program', programId: program.programId };
  }
}
