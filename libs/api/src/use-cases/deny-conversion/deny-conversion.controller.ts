import { Body, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiController, contextOf } from '../../shared/http.js';
import { DecideConversionCommand } from '../approve-conversion/approve-conversion.handler.js';
import { DenyConversionDto } from './deny-conversion.dto.js';

@ApiController('conversions')
export class DenyConversionController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/conversions/:id/deny')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deny a pending conversion (idempotent; an approved one cannot be denied: refund instead)' })
  deny(@Param('pid') pid: string, @Param('id') id: string, @Body() body: DenyConversionDto = {}, @Req() request: FastifyRequest) {
    return this.commands.execute(new DecideConversionCommand(pid, id, { type: 'DenyConversion', reason: body?.reason }, contextOf(request)));
  }
}
