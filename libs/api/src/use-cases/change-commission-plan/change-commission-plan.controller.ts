import { Body, Param, Put, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { ExpectedRevision } from '@partner-ledger/event-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiIfMatch, IfMatch, withEtag } from '../../shared/etag.js';
import { ApiController, contextOf } from '../../shared/http.js';
import { planInputOf } from '../create-program/create-program.command.js';
import { ChangeCommissionPlanCommand } from './change-commission-plan.command.js';
import { ChangeCommissionPlanDto, ProgramPlansView } from './change-commission-plan.dto.js';
import type { ChangedPlan } from './change-commission-plan.handler.js';

@ApiController('programs')
export class ChangeCommissionPlanController {
  constructor(private readonly commands: CommandBus) {}

  @Put('programs/:pid/commission-plan')
  @ApiOperation({
    summary: "Change the program's commission plan from a time on",
    description:
      'Records a new plan (commission with duration, tiers, product rates, approval settings) that prices sales recorded from `effectiveFrom` on; sales recorded before keep the plan they were sold under. `approval` left out keeps the current settings.',
  })
  // Above ApiIfMatch so that its 200 (ETag only) does not replace this one's schema.
  @ApiResponse({ status: 200, type: ProgramPlansView, description: 'The program with its plans; `ETag` is the program stream revision', headers: { ETag: { schema: { type: 'string' } } } })
  @ApiIfMatch()
  @ApiResponse({ status: 422, description: '`effective_from_in_past`: sales recorded since then were priced under the earlier plan' })
  async change(
    @Param('pid') pid: string,
    @Body() body: ChangeCommissionPlanDto,
    @IfMatch() expectedRevision: ExpectedRevision | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const command = new ChangeCommissionPlanCommand({ programId: pid, ...planInputOf(body), effectiveFrom: body.effectiveFrom, expectedRevision, ctx: contextOf(request) });
    return withEtag(reply, await this.commands.execute<ChangeCommissionPlanCommand, ChangedPlan>(command));
  }
}
