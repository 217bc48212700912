import { Body, Param, Patch, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import type { ExpectedRevision } from '@partner-ledger/event-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiIfMatch, IfMatch, withEtag } from '../../shared/etag.js';
import { ApiController, contextOf } from '../../shared/http.js';
import { UpdatePartnerDetailsCommand } from './update-partner-details.command.js';
import { PartnerDto } from '../create-partner/create-partner.dto.js';
import { UpdatePartnerDetailsDto } from './update-partner-details.dto.js';
import type { UpdatedPartner } from './update-partner-details.handler.js';

@ApiController('partners')
export class UpdatePartnerDetailsController {
  constructor(private readonly commands: CommandBus) {}

  @Patch('programs/:pid/partners/:partnerId')
  @ApiOperation({ summary: "Change a partner's name, email or details" })
  @ApiIfMatch(200, PartnerDto)
  async update(
    @Param('pid') pid: string,
    @Param('partnerId') partnerId: string,
    @Body() body: UpdatePartnerDetailsDto,
    @IfMatch() expectedRevision: ExpectedRevision | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { name, email, details } = body;
    const command = new UpdatePartnerDetailsCommand({ programId: pid, partnerId, name, email, details, expectedRevision, ctx: contextOf(request) });
    return withEtag(reply, await this.commands.execute<UpdatePartnerDetailsCommand, UpdatedPartner>(command));
  }
}
