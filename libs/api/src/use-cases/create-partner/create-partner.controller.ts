import { Body, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiController, contextOf } from '../../shared/http.js';
import { CreatePartnerDto } from './create-partner.dto.js';
import { CreatePartnerCommand } from './create-partner.handler.js';

@ApiController('partners')
export class CreatePartnerController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/partners')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a partner. Email and key are unique within the program.' })
  create(@Param('pid') pid: string, @Body() body: CreatePartnerDto, @Req() request: FastifyRequest) {
    return this.commands.execute(new CreatePartnerCommand(pid, body, contextOf(request)));
  }
}
