import { Body, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { ExpectedRevision } from '@partner-ledger/event-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DecidedConversionDto } from '../../shared/conversion-responses.dto.js';
import type { DecidedConversion } from '../../shared/conversions.js';
import { ApiIfMatch, IfMatch, withEtag } from '../../shared/etag.js';
import { ApiController, contextOf } from '../../shared/http.js';
import { ReopenConversionCommand } from './reopen-conversion.command.js';
import { ReopenConversionDto } from './reopen-conversion.dto.js';

@ApiController('conversions')
export class ReopenConversionController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/conversions/:id/reopen')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Put a denied conversion back to pending',
    description:
      'Only a DENIED conversion whose sale is not fully refunded: 409 `conversion_already_pending`, `conversion_already_approved` (refund instead) or `transaction_fully_refunded` otherwise, appending nothing. Records who reopened it and why.',
  })
  @ApiIfMatch(200, DecidedConversionDto)
  @ApiResponse({ status: 409, description: '`conversion_already_pending`, `conversion_already_approved` or `transaction_fully_refunded`; nothing was written' })
  async reopen(
    @Param('pid') pid: string,
    @Param('id') id: string,
    @Body() body: ReopenConversionDto = {},
    @IfMatch() expectedRevision: ExpectedRevision | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const command = new ReopenConversionCommand({ programId: pid, conversionId: id, reason: body?.reason, expectedRevision, ctx: contextOf(request) });
    return withEtag(reply, await this.commands.execute<ReopenConversionCommand, DecidedConversion>(command));
  }
}
