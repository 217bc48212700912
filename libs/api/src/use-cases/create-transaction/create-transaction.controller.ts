import { Body, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiEtag, withEtag } from '../../shared/etag.js';
import { ApiController, contextOf } from '../../shared/http.js';
import { CreateTransactionCommand } from './create-transaction.command.js';
import { CreateTransactionDto, TransactionDto } from './create-transaction.dto.js';
import type { RecordedTransaction } from './create-transaction.handler.js';

@ApiController('transactions')
export class CreateTransactionController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/transactions')
  @ApiOperation({
    summary: 'Record a sale; attributes it and computes commissions',
    description: '201 when recorded; 200 with `Idempotent-Replayed: true` when the same key and body were recorded before; 409 when the key was used with another body.',
  })
  @ApiEtag(201, TransactionDto)
  @ApiResponse({ status: 200, type: TransactionDto, description: 'The same key and body were recorded before: the sale as recorded, with `Idempotent-Replayed: true`' })
  @ApiResponse({ status: 409, description: '`transaction_key_reused`: the key was recorded with another body' })
  async create(@Param('pid') pid: string, @Body() body: CreateTransactionDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { customerKey, amount, key, currency, productId, productType, couponCode, partnerKey } = body;
    const command = new CreateTransactionCommand({ programId: pid, customerKey, amount, key, currency, productId, productType, couponCode, partnerKey, ctx: contextOf(request) });
    const result = await this.commands.execute<CreateTransactionCommand, RecordedTransaction>(command);
    reply.status(result.replayed ? 200 : 201);
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    return withEtag(reply, result);
  }
}
