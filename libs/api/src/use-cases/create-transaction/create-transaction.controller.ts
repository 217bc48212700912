import { Body, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiController, contextOf } from '../../shared/http.js';
import { CreateTransactionDto } from './create-transaction.dto.js';
import { CreateTransactionCommand } from './create-transaction.handler.js';

@ApiController('transactions')
export class CreateTransactionController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/transactions')
  @ApiOperation({
    summary: 'Record a sale; attributes it and computes commissions',
    description: '201 when recorded; 200 with `Idempotent-Replayed: true` when the same key and body were recorded before; 409 when the key was used with another body.',
  })
  async create(@Param('pid') pid: string, @Body() body: CreateTransactionDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { replayed, body: response } = await this.commands.execute(new CreateTransactionCommand(pid, body, contextOf(request)));
    reply.status(replayed ? 200 : 201);
    if (replayed) reply.header('idempotent-replayed', 'true');
    return response;
  }
}
