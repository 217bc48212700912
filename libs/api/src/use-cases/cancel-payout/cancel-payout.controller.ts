import { HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Versioned, withEtag } from '../../shared/etag.js';
import { ApiController, contextOf } from '../../shared/http.js';
import { PayoutDto } from '../create-payout/create-payout.dto.js';
import { CancelPayoutCommand } from './cancel-payout.command.js';

@ApiController('payouts')
export class CancelPayoutController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/payouts/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a DRAFT payout: its commissions are payable again. Cancelling a cancelled payout answers it unchanged.' })
  @ApiResponse({ status: 200, type: PayoutDto, description: 'The payout, CANCELLED' })
  @ApiResponse({ status: 409, description: '`payout_already_paid`' })
  async cancel(@Param('pid') pid: string, @Param('id') id: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const command = new CancelPayoutCommand({ programId: pid, payoutId: id, ctx: contextOf(request) });
    return withEtag(reply, await this.commands.execute<CancelPayoutCommand, Versioned<unknown>>(command));
  }
}
