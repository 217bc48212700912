import { Body, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import type { ExpectedRevision } from '@partner-ledger/event-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiIfMatch, IfMatch, type Versioned, withEtag } from '../../shared/etag.js';
import { ApiController, contextOf } from '../../shared/http.js';
import { RefundTransactionCommand } from './refund-transaction.command.js';
import { RefundedTransactionDto, RefundTransactionDto } from './refund-transaction.dto.js';

@ApiController('transactions')
export class RefundTransactionController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/transactions/:key/refund')
  @HttpCode(200)
  @ApiOperation({ summary: 'Refund a transaction in full or in part; reverses commission proportionally' })
  @ApiIfMatch(200, RefundedTransactionDto)
  async refund(
    @Param('pid') pid: string,
    @Param('key') key: string,
    @Body() body: RefundTransactionDto = {},
    @IfMatch() expectedRevision: ExpectedRevision | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const command = new RefundTransactionCommand({ programId: pid, transactionKey: key, amount: body?.amount, reason: body?.reason, expectedRevision, ctx: contextOf(request) });
    return withEtag(reply, await this.commands.execute<RefundTransactionCommand, Versioned<unknown>>(command));
  }
}
