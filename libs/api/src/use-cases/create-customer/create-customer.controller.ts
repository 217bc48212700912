import { Body, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiEtag, withEtag } from '../../shared/etag.js';
import { ApiController, contextOf } from '../../shared/http.js';
import type { EntityRef } from '../../shared/lookups.js';
import { CreateCustomerCommand } from './create-customer.command.js';
import { CreateCustomerDto, CustomerDto, type EntityRefDto } from './create-customer.dto.js';
import type { CreatedCustomer } from './create-customer.handler.js';

const refOf = (dto: EntityRefDto | undefined): EntityRef | undefined => dto && { id: dto.id, key: dto.key, email: dto.email };

@ApiController('customers')
export class CreateCustomerController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/customers')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a customer, optionally linked to the partner who referred them' })
  @ApiEtag(201, CustomerDto)
  async create(@Param('pid') pid: string, @Body() body: CreateCustomerDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const command = new CreateCustomerCommand({
      programId: pid,
      email: body.email,
      name: body.name,
      key: body.key,
      partner: refOf(body.partner),
      referringCustomer: refOf(body.referringCustomer),
      ctx: contextOf(request),
    });
    return withEtag(reply, await this.commands.execute<CreateCustomerCommand, CreatedCustomer>(command));
  }
}
