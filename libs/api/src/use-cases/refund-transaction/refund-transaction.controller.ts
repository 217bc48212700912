import { Body, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiController, contextOf } from '../../shared/http.js';
import { RefundTransactionDto } from './refund-transaction.dto.js';
import { RefundTransactionCommand } from './refund-transaction.handler.js';

@ApiController('transactions')
export class RefundTransactionController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/transactions/:key/refund')
  @HttpCode(200)
  @ApiOperation({ summary: 'Refund a transaction in full or in part; reverses commission proportionally' })
  refund(@Param('pid') pid: string, @Param('key') key: string, @Body() body: RefundTransactionDto = {}, @Req() request: FastifyRequest) {
    return this.commands.execute(new RefundTransactionCommand(pid, key, body ?? {}, contextOf(request)));
  }
}
