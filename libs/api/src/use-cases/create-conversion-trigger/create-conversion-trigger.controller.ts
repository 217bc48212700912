import { Body, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiController, contextOf } from '../../shared/http.js';
import { ConversionTriggerDto, CreateConversionTriggerDto } from './create-conversion-trigger.dto.js';
import { CreateConversionTriggerCommand } from './create-conversion-trigger.command.js';

@ApiController('conversion-triggers')
export class CreateConversionTriggerController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/conversion-triggers')
  @HttpCode(201)
  @ApiResponse({ status: 201, type: ConversionTriggerDto })
  @ApiOperation({ summary: 'Give a partner a coupon code, email or SKU trigger (unique per program and type)' })
  create(@Param('pid') pid: string, @Body() body: CreateConversionTriggerDto, @Req() request: FastifyRequest) {
    const { partnerId, type, trigger } = body;
    return this.commands.execute(new CreateConversionTriggerCommand({ programId: pid, partnerId, type, trigger, ctx: contextOf(request) }));
  }
}
