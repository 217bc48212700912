import { Get, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery } from '@nestjs/swagger';
import { CustomerDto } from '../../use-cases/create-customer/create-customer.dto.js';
import type { FastifyReply } from 'fastify';
import { customerStream, notFound } from '@partner-ledger/domain';
import { CUSTOMERS, docId } from '@partner-ledger/projections';
import { ApiEtag } from '../../shared/etag.js';
import { ApiController } from '../../shared/http.js';
import { Lookups } from '../../shared/lookups.js';
import { EntityEtags } from '../entity-etags.js';
import { ReadModels, views } from '../read-models.js';

@ApiController('customers')
export class CustomerQueriesController {
  constructor(
    private readonly read: ReadModels,
    private readonly lookups: Lookups,
    private readonly etags: EntityEtags,
  ) {}

  @Get('programs/:pid/customers/:customerId')
  @ApiOperation({ summary: 'One customer' })
  @ApiQuery({ name: 'minPosition', required: false })
  @ApiEtag(200, CustomerDto)
  async get(@Param('pid') pid: string, @Param('customerId') customerId: string, @Res({ passthrough: true }) reply: FastifyReply, @Query('minPosition') minPosition?: string) {
    await this.lookups.requireProgram(pid);
    const ns = await this.read.consistent(minPosition);
    const doc = await this.read.readSide.store.get(ns, CUSTOMERS, docId(pid, customerId));
    if (!doc) throw notFound('customer_not_found', `customer ${customerId} not found`);
    await this.etags.set(reply, customerStream(pid, customerId), doc);
    return views.customer(doc);
  }
}
