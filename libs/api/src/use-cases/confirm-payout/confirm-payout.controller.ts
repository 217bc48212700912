import { Body, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Versioned, withEtag } from '../../shared/etag.js';
import { ApiController, contextOf } from '../../shared/http.js';
import { PayoutDto } from '../create-payout/create-payout.dto.js';
import { ConfirmPayoutCommand } from './confirm-payout.command.js';
import { ConfirmPayoutDto } from './confirm-payout.dto.js';

@ApiController('payouts')
export class ConfirmPayoutController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/payouts/:id/confirm')
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm a DRAFT payout as PAID: its commissions are paid, once' })
  @ApiResponse({ status: 200, type: PayoutDto, description: 'The payout, PAID' })
  @ApiResponse({ status: 409, description: '`payout_cancelled`, `payout_already_paid`' })
  async confirm(@Param('pid') pid: string, @Param('id') id: string, @Body() body: ConfirmPayoutDto = {}, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const command = new ConfirmPayoutCommand({ programId: pid, payoutId: id, reference: body?.reference, ctx: contextOf(request) });
    return withEtag(reply, await this.commands.execute<ConfirmPayoutCommand, Versioned<unknown>>(command));
  }
}
