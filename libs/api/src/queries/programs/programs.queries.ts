import { Get, Inject, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { programStream } from '@partner-ledger/domain';
import { CLOCK, type Clock } from '@partner-ledger/platform';
import { etagOf } from '../../shared/etag.js';
import { ApiController } from '../../shared/http.js';
import { Lookups } from '../../shared/lookups.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { programView } from '../../shared/views.js';
import { ProgramPlansView } from '../../use-cases/change-commission-plan/change-commission-plan.dto.js';

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
  ) {}

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
