import { Body, HttpCode, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AdminOnly } from '../../auth/auth.guard.js';
import { ApiController, contextOf } from '../../shared/http.js';
import { CreateProgramDto } from './create-program.dto.js';
import { CreatedProgramDto } from './created-program.dto.js';
import { CreateProgramCommand, planInputOf } from './create-program.command.js';

@ApiController('programs')
export class CreateProgramController {
  constructor(private readonly commands: CommandBus) {}

  @Post('programs')
  @HttpCode(201)
  @AdminOnly()
  @ApiOperation({ summary: 'Create a program (admin key). Returns the program key once.' })
  @ApiResponse({ status: 201, type: CreatedProgramDto })
  create(@Body() body: CreateProgramDto, @Req() request: FastifyRequest) {
    const { name, currency } = body;
    return this.commands.execute(new CreateProgramCommand({ name, currency, ...planInputOf(body), ctx: contextOf(request) }));
  }
}
