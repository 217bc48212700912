import { Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { invalid, programStream } from '@partner-ledger/domain';
import type { EventStore } from '@partner-ledger/event-store';
import { CLOCK, type Clock } from '@partner-ledger/platform';
import { etagOf } from '../../shared/etag.js';
import { ApiController } from '../../shared/http.js';
import { Lookups } from '../../shared/lookups.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { EVENT_STORE } from '../../shared/tokens.js';
import { programView } from '../../shared/views.js';
import { ProgramPageDto } from './programs.dto.js';
import { ProgramPlansView } from '../../use-cases/change-commission-plan/change-commission-plan.dto.js';
import { decodeCursor, encodeCursor, parseLimit } from '../read-models.js';

/**
 * A program is read from its own stream, not a read model: the stream is its creation and its plan
 * changes (a handful of events, cached and followed by `Lookups`), and which plan is in effect
 * depends on the time of the request, which a projection cannot know.
 */
@ApiController('programs')
export class ProgramQueriesController {
  constructor(
    private readonly lookups: Lookups,
    private readonly runner: StreamRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EVENT_STORE) private readonly events: EventStore,
  ) {}

  /**
   * What the console lists after sign-in. The admin's programs come from the log's ProgramCreated
   * events, in creation order (a program is created once and never renamed, so its first event says
   * all a list shows); a program key reaches its own program only, so it gets that one.
   */
  @Get('programs')
  @ApiOperation({ summary: 'The programs this key reaches: every program (admin key, in creation order) or its own (a program key)' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 50' })
  @ApiResponse({ status: 200, type: ProgramPageDto })
  async list(@Req() request: FastifyRequest, @Query('cursor') cursor?: string, @Query('limit') limit?: string) {
    const n = parseLimit(limit);
    const principal = request.principal;
    if (principal?.role === 'program') {
      const program = await this.lookups.requireProgram(principal.programId);
      return { items: [{ id: program.programId, name: program.name, currency: program.currency }], nextCursor: null };
    }
    const from = fromCursor(cursor);
    const page = await this.events.readAll({ fromPosition: from, maxCount: n + 1, filter: { streamPrefixes: ['program-'], eventTypes: ['ProgramCreated'] } });
    const items = page.slice(0, n).map((e) => ({ id: String(e.data.programId), name: String(e.data.name), currency: String(e.data.currency), createdAt: e.created.toISOString() }));
    const next = page.length > n ? page[n].position : null;
    return { items, nextCursor: next === null ? null : encodeCursor([String(next)]) };
  }

  @Get('programs/:pid')
  @ApiOperation({ summary: 'The program: the commission plan in effect now, its approval settings, and every plan by effective time' })
  @ApiResponse({ status: 200, type: ProgramPlansView, headers: { ETag: { description: "The program stream's revision", schema: { type: 'string' } } } })
  async get(@Param('pid') pid: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const program = await this.lookups.requireCurrentProgram(pid);
    const [last] = await this.runner.store.readStream(programStream(pid), { direction: 'backwards', fromRevision: 'end', maxCount: 1 });
    if (last) void reply.header('etag', etagOf(last.revision));
    return programView(program, this.clock.now());
  }
}

/** The cursor holds the log position of the next page's first ProgramCreated. */
function fromCursor(cursor: string | undefined): bigint | 'start' {
  const values = decodeCursor(cursor);
  if (values === undefined) return 'start';
  if (values.length !== 1 || typeof values[0] !== 'string' || !/^\d{1,20}$/.test(values[0])) throw invalid('invalid_cursor', 'cursor is not one this API returned', 'cursor');
  return BigInt(values[0]);
}
