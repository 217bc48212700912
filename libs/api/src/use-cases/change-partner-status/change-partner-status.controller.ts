import { Body, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiController, contextOf } from '../../shared/http.js';
import { ChangePartnerStatusDto } from './change-partner-status.dto.js';
import { ChangePartnerStatusCommand } from './change-partner-status.handler.js';

@ApiController('partners')
export class ChangePartnerStatusController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/partners/:partnerId/status')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve, deny, disable or re-enable a partner' })
  change(@Param('pid') pid: string, @Param('partnerId') partnerId: string, @Body() body: ChangePartnerStatusDto, @Req() request: FastifyRequest) {
    return this.commands.execute(new ChangePartnerStatusCommand(pid, partnerId, body, contextOf(request)));
  }
}
