import { Body, Param, Patch, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiController, contextOf } from '../../shared/http.js';
import { UpdatePartnerDetailsDto } from './update-partner-details.dto.js';
import { UpdatePartnerDetailsCommand } from './update-partner-details.handler.js';

@ApiController('partners')
export class UpdatePartnerDetailsController {
  constructor(private readonly commands: CommandBus) {}

  @Patch('programs/:pid/partners/:partnerId')
  @ApiOperation({ summary: "Change a partner's name, email or details" })
  update(@Param('pid') pid: string, @Param('partnerId') partnerId: string, @Body() body: UpdatePartnerDetailsDto, @Req() request: FastifyRequest) {
    return this.commands.execute(new UpdatePartnerDetailsCommand(pid, partnerId, body, contextOf(request)));
  }
}
