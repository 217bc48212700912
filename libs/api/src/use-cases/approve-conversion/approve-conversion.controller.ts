import { Body, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import type { ExpectedRevision } from '@partner-ledger/event-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DecidedConversionDto } from '../../shared/conversion-responses.dto.js';
import type { DecidedConversion } from '../../shared/conversions.js';
import { ApiIfMatch, IfMatch, withEtag } from '../../shared/etag.js';
import { ApiController, contextOf } from '../../shared/http.js';
import { ApproveConversionCommand } from './approve-conversion.command.js';
import { ApproveConversionDto } from './approve-conversion.dto.js';

@ApiController('conversions')
export class ApproveConversionController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/conversions/:id/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve a pending conversion (idempotent; a denied one cannot be approved)' })
  @ApiIfMatch(200, DecidedConversionDto)
  async approve(
    @Param('pid') pid: string,
    @Param('id') id: string,
    @Body() body: ApproveConversionDto = {},
    @IfMatch() expectedRevision: ExpectedRevision | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const command = new ApproveConversionCommand({ programId: pid, conversionId: id, reason: body?.reason, expectedRevision, ctx: contextOf(request) });
    return withEtag(reply, await this.commands.execute<ApproveConversionCommand, DecidedConversion>(command));
  }
}
