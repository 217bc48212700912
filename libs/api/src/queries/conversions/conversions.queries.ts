import { Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { ConversionPageDto } from './conversions.dto.js';
import { invalid } from '@partner-ledger/domain';
import { CONVERSIONS, CUSTOMERS, docId } from '@partner-ledger/projections';
import type { Scalar } from '@partner-ledger/read-store';
import { ApiController } from '../../shared/http.js';
import { Lookups } from '../../shared/lookups.js';
import { parseLimit, parseTime, ReadModels, views } from '../read-models.js';

const STATUSES = ['PENDING', 'APPROVED', 'DENIED'];

@ApiController('conversions')
export class ConversionQueriesController {
  constructor(
    private readonly read: ReadModels,
    private readonly lookups: Lookups,
  ) {}

  @Get('programs/:pid/conversions')
  @ApiResponse({ status: 200, type: ConversionPageDto })
  @ApiOperation({
    summary: 'List conversions, newest first; filter by partner, status, flagged, transaction key and creation time [from, to)',
    description: "Each conversion names its customer (`customer`: id, key, email, name) as the customers read model has it now, read for the page's customers at once.",
  })
  @ApiQuery({ name: 'partnerId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES })
  @ApiQuery({ name: 'transactionKey', required: false })
  @ApiQuery({ name: 'flagged', required: false, enum: ['true', 'false'], description: 'true: only conversions with flags (e.g. SELF_REFERRAL); false: only those without' })
  @ApiQuery({ name: 'from', required: false, description: 'created at or after (ISO 8601)' })
  @ApiQuery({ name: 'to', required: false, description: 'created before (ISO 8601)' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'minPosition', required: false })
  async list(
    @Param('pid') pid: string,
    @Query('partnerId') partnerId?: string,
    @Query('status') status?: string,
    @Query('transactionKey') transactionKey?: string,
    @Query('flagged') flagged?: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('cursor') cursor?: string,
    @Query('limit') limit?: string,
    @Query('minPosition') minPosition?: string,
  ) {
    await this.lookups.requireProgram(pid);
    if (status !== undefined && !STATUSES.includes(status)) throw invalid('invalid_status', `status must be one of ${STATUSES.join(', ')}`, 'status');
    const where: Record<string, Scalar> = { programId: pid };
    if (partnerId !== undefined) where.partnerId = partnerId;
    if (status !== undefined) where.status = status;
    if (transactionKey !== undefined) where.transactionKey = transactionKey;
    if (flagged !== undefined) {
      if (flagged !== 'true' && flagged !== 'false') throw invalid('invalid_flagged', 'flagged must be true or false', 'flagged');
      where.flagged = flagged === 'true';
    }
    const gte = parseTime(from, 'from');
    const lt = parseTime(to, 'to');
    const range = gte !== undefined || lt !== undefined ? { field: 'createdAt', gte, lt } : undefined;
    const n = parseLimit(limit);
    const ns = await this.read.consistent(minPosition);
    const page = await this.read.page(ns, CONVERSIONS, { where, range, orderBy: [{ field: 'seq', direction: 'desc' }] }, cursor, n, views.conversion);
    // The page's customers in one read by id (not a read per row, nor a scan), as the customers read model has them now.
    const conversions = page.items as ReturnType<typeof views.conversion>[];
    const customerIds = [...new Set(conversions.map((c) => docId(pid, String(c.customerId))))];
    const customers = customerIds.length ? await this.read.readSide.store.getMany(ns, CUSTOMERS, customerIds) : new Map();
    return { ...page, items: conversions.map((c) => ({ ...c, customer: views.customerRef(customers.get(docId(pid, String(c.customerId)))) })) };
  }
}
