import { Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery } from '@nestjs/swagger';
import { notFound } from '@partner-ledger/domain';
import { CUSTOMERS, docId } from '@partner-ledger/projections';
import { ApiController } from '../../shared/http.js';
import { Lookups } from '../../shared/lookups.js';
import { ReadModels, views } from '../read-models.js';

@ApiController('customers')
export class CustomerQueriesController {
  constructor(
    private readonly read: ReadModels,
    private readonly lookups: Lookups,
  ) {}

  @Get('programs/:pid/customers/:customerId')
  @ApiOperation({ summary: 'One customer' })
  @ApiQuery({ name: 'minPosition', required: false })
  async get(@Param('pid') pid: string, @Param('customerId') customerId: string, @Query('minPosition') minPosition?: string) {
    await this.lookups.requireProgram(pid);
    const ns = await this.read.consistent(minPosition);
    const doc = await this.read.readSide.store.get(ns, CUSTOMERS, docId(pid, customerId));
    if (!doc) throw notFound('customer_not_found', `customer ${customerId} not found`);
    return views.customer(doc);
  }
}
