import { Body, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import type { ExpectedRevision } from '@partner-ledger/event-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiIfMatch, IfMatch, withEtag } from '../../shared/etag.js';
import { ApiController, contextOf } from '../../shared/http.js';
import { ChangePartnerStatusCommand } from './change-partner-status.command.js';
import { PartnerDto } from '../create-partner/create-partner.dto.js';
import { ChangePartnerStatusDto } from './change-partner-status.dto.js';
import type { ChangedPartner } from './change-partner-status.handler.js';

@ApiController('partners')
export class ChangePartnerStatusController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/partners/:partnerId/status')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve, deny, disable or re-enable a partner' })
  @ApiIfMatch(200, PartnerDto)
  async change(
    @Param('pid') pid: string,
    @Param('partnerId') partnerId: string,
    @Body() body: ChangePartnerStatusDto,
    @IfMatch() expectedRevision: ExpectedRevision | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const command = new ChangePartnerStatusCommand({ programId: pid, partnerId, status: body.status, reason: body.reason, expectedRevision, ctx: contextOf(request) });
    return withEtag(reply, await this.commands.execute<ChangePartnerStatusCommand, ChangedPartner>(command));
  }
}
