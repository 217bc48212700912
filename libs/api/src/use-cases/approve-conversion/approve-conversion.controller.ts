import { HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiController, contextOf } from '../../shared/http.js';
import { DecideConversionCommand } from './approve-conversion.handler.js';

@ApiController('conversions')
export class ApproveConversionController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/conversions/:id/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve a pending conversion (idempotent; a denied one cannot be approved)' })
  approve(@Param('pid') pid: string, @Param('id') id: string, @Req() request: FastifyRequest) {
    return this.commands.execute(new DecideConversionCommand(pid, id, { type: 'ApproveConversion' }, contextOf(request)));
  }
}
