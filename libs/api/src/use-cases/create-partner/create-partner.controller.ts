import { Body, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiEtag, withEtag } from '../../shared/etag.js';
import { ApiController, contextOf } from '../../shared/http.js';
import { CreatePartnerCommand } from './create-partner.command.js';
import { CreatePartnerDto, PartnerDto } from './create-partner.dto.js';
import type { CreatedPartner } from './create-partner.handler.js';

@ApiController('partners')
export class CreatePartnerController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/partners')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a partner. Email and key are unique within the program.' })
  @ApiEtag(201, PartnerDto)
  async create(@Param('pid') pid: string, @Body() body: CreatePartnerDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { email, name, id, key, referringPartnerKey, status, details } = body;
    const command = new CreatePartnerCommand({ programId: pid, email, name, id, key, referringPartnerKey, status, details, ctx: contextOf(request) });
    return withEtag(reply, await this.commands.execute<CreatePartnerCommand, CreatedPartner>(command));
  }
}
