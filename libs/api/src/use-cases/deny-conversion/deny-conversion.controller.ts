import { Body, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import type { ExpectedRevision } from '@partner-ledger/event-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DecidedConversionDto } from '../../shared/conversion-responses.dto.js';
import type { DecidedConversion } from '../../shared/conversions.js';
import { ApiIfMatch, IfMatch, withEtag } from '../../shared/etag.js';
import { ApiController, contextOf } from '../../shared/http.js';
import { DenyConversionCommand } from './deny-conversion.command.js';
import { DenyConversionDto } from './deny-conversion.dto.js';

@ApiController('conversions')
export class DenyConversionController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/conversions/:id/deny')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deny a pending conversion (idempotent; an approved one cannot be denied: refund instead)' })
  @ApiIfMatch(200, DecidedConversionDto)
  async deny(
    @Param('pid') pid: string,
    @Param('id') id: string,
    @Body() body: DenyConversionDto = {},
    @IfMatch() expectedRevision: ExpectedRevision | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const command = new DenyConversionCommand({ programId: pid, conversionId: id, reason: body?.reason, expectedRevision, ctx: contextOf(request) });
    return withEtag(reply, await this.commands.execute<DenyConversionCommand, DecidedConversion>(command));
  }
}
