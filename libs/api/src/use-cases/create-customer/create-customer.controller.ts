import { Body, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiController, contextOf } from '../../shared/http.js';
import { CreateCustomerDto } from './create-customer.dto.js';
import { CreateCustomerCommand } from './create-customer.handler.js';

@ApiController('customers')
export class CreateCustomerController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs/:pid/customers')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a customer, optionally linked to the partner who referred them' })
  create(@Param('pid') pid: string, @Body() body: CreateCustomerDto, @Req() request: FastifyRequest) {
    return this.commands.execute(new CreateCustomerCommand(pid, body, contextOf(request)));
  }
}
