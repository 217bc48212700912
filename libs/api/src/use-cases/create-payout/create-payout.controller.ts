import { Body, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Versioned, withEtag } from '../../shared/etag.js';
import { ApiController, contextOf } from '../../shared/http.js';
import { CreatePayoutCommand } from './create-payout.command.js';
import { CreatePayoutDto, PayoutDto } from './create-payout.dto.js';

@ApiController('payouts')
export class CreatePayoutController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/payouts')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create a payout batch (DRAFT): per partner, the approved commission not yet paid, net of clawbacks, up to the cut-off',
    description: 'A commission is in at most one DRAFT or PAID payout. `422 nothing_to_pay` when no partner is owed anything under the conditions.',
  })
  @ApiResponse({ status: 201, type: PayoutDto, description: 'The batch; `ETag` is the payout stream revision' })
  @ApiResponse({ status: 422, description: '`nothing_to_pay`, `cut_off_in_future`, `currency_mismatch`' })
  @ApiResponse({ status: 409, description: '`payout_line_taken`: another payout took these commissions at the same instant; retry' })
  async create(@Param('pid') pid: string, @Body() body: CreatePayoutDto = {}, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { currency, upTo, partnerIds, minimumAmount } = body ?? {};
    const command = new CreatePayoutCommand({ programId: pid, currency, upTo, partnerIds, minimumAmount, ctx: contextOf(request) });
    return withEtag(reply, await this.commands.execute<CreatePayoutCommand, Versioned<unknown>>(command));
  }
}
