import { Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { ProgramCommissionTotalsDto } from './commission-totals.dto.js';
import { COMMISSION_TOTALS, docId, PROGRAM_TOTALS } from '@partner-ledger/projections';
import { ApiController } from '../../shared/http.js';
import { Lookups } from '../../shared/lookups.js';
import { parseLimit, ReadModels, views } from '../read-models.js';

@ApiController('commission-totals')
export class CommissionTotalsQueriesController {
  constructor(
    private readonly read: ReadModels,
    private readonly lookups: Lookups,
  ) {}

  @Get('programs/:pid/commission-totals')
  @ApiResponse({ status: 200, type: ProgramCommissionTotalsDto })
  @ApiOperation({
    summary: "The program's totals and each partner's, top partners by approved commission first",
    description: '`program` sums every partner; `items` pages through partners ordered by approved amount, descending.',
  })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'minPosition', required: false })
  async totals(@Param('pid') pid: string, @Query('cursor') cursor?: string, @Query('limit') limit?: string, @Query('minPosition') minPosition?: string) {
    const program = await this.lookups.requireProgram(pid);
    const n = parseLimit(limit);
    const ns = await this.read.consistent(minPosition);
    const programTotals = await this.read.readSide.store.get(ns, PROGRAM_TOTALS, docId(pid, program.currency));
    const page = await this.read.page(ns, COMMISSION_TOTALS, { where: { programId: pid }, orderBy: [{ field: 'approvedOrder', direction: 'desc' }] }, cursor, n, views.totals);
    return { program: views.totals(programTotals ?? { currency: program.currency }), ...page };
  }
}
