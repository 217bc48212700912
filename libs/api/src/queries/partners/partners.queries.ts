import { Get, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { PartnerPageDto, PartnerWithTotalsDto } from './partners.dto.js';
import { CommissionTotalsListDto } from '../commission-totals/commission-totals.dto.js';
import type { FastifyReply } from 'fastify';
import { assertPartnerStatus, notFound, partnerStream } from '@partner-ledger/domain';
import { partnerAsOf } from '@partner-ledger/projections';
import { COMMISSION_TOTALS, docId, PARTNERS } from '@partner-ledger/projections';
import type { EventStore } from '@partner-ledger/event-store';
import { ApiEtag } from '../../shared/etag.js';
import { ApiController } from '../../shared/http.js';
import { Lookups } from '../../shared/lookups.js';
import { EVENT_STORE } from '../../shared/tokens.js';
import { EntityEtags } from '../entity-etags.js';
import { parseLimit, parseTime, ReadModels, views } from '../read-models.js';

@ApiController('partners')
export class PartnerQueriesController {
  constructor(
    private readonly read: ReadModels,
    private readonly lookups: Lookups,
    private readonly etags: EntityEtags,
    @Inject(EVENT_STORE) private readonly events: EventStore,
  ) {}

  @Get('programs/:pid/partners')
  @ApiOperation({ summary: 'List partners, newest first; filter by status' })
  @ApiResponse({ status: 200, type: PartnerPageDto })
  @ApiQuery({ name: 'status', required: false, enum: ['PENDING', 'ACTIVE', 'DENIED', 'DISABLED'] })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 50' })
  @ApiQuery({ name: 'minPosition', required: false, description: 'wait until the read models include this position' })
  async list(@Param('pid') pid: string, @Query('status') status?: string, @Query('cursor') cursor?: string, @Query('limit') limit?: string, @Query('minPosition') minPosition?: string) {
    await this.lookups.requireProgram(pid);
    const ns = await this.read.consistent(minPosition);
    const where = { programId: pid, ...(status !== undefined ? { status: assertPartnerStatus(status) } : {}) };
    return this.read.page(ns, PARTNERS, { where, orderBy: [{ field: 'seq', direction: 'desc' }] }, cursor, parseLimit(limit), views.partner);
  }

  @Get('programs/:pid/partners/:partnerId')
  @ApiOperation({ summary: 'One partner with its commission totals; `asOf` answers as it was at that time (without an ETag)' })
  @ApiQuery({ name: 'asOf', required: false, description: 'ISO 8601 time' })
  @ApiQuery({ name: 'minPosition', required: false })
  @ApiEtag(200, PartnerWithTotalsDto)
  async get(
    @Param('pid') pid: string,
    @Param('partnerId') partnerId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('asOf') asOf?: string,
    @Query('minPosition') minPosition?: string,
  ) {
    await this.lookups.requireProgram(pid);
    const at = parseTime(asOf, 'asOf');
    if (at !== undefined) {
      const past = await partnerAsOf(this.events, pid, partnerId, new Date(at));
      if (!past.partner) throw notFound('partner_not_found', `partner ${partnerId} did not exist at ${at}`);
      return {
        ...views.partner({ ...past.partner, pos: 0 }),
        commissionTotals: past.commissionTotals.map(views.totals),
        asOf: at,
        position: past.position === null ? null : String(past.position),
      };
    }
    const ns = await this.read.consistent(minPosition);
    const doc = await this.read.readSide.store.get(ns, PARTNERS, docId(pid, partnerId));
    if (!doc) throw notFound('partner_not_found', `partner ${partnerId} not found`);
    const totals = await this.totalsOf(ns, pid, partnerId);
    await this.etags.set(reply, partnerStream(pid, partnerId), doc);
    return { ...views.partner(doc), commissionTotals: totals };
  }

  @Get('programs/:pid/partners/:partnerId/commissions')
  @ApiOperation({ summary: "A partner's commission totals per currency: pending, approved, denied, reversed" })
  @ApiResponse({ status: 200, type: CommissionTotalsListDto })
  @ApiQuery({ name: 'minPosition', required: false })
  async commissions(@Param('pid') pid: string, @Param('partnerId') partnerId: string, @Query('minPosition') minPosition?: string) {
    await this.lookups.requireProgram(pid);
    const ns = await this.read.consistent(minPosition);
    if (!(await this.read.readSide.store.get(ns, PARTNERS, docId(pid, partnerId)))) throw notFound('partner_not_found', `partner ${partnerId} not found`);
    return { items: await this.totalsOf(ns, pid, partnerId), nextCursor: null };
  }

  private async totalsOf(ns: string, pid: string, partnerId: string) {
    const docs = await this.read.readSide.store.find(ns, COMMISSION_TOTALS, { where: { programId: pid, partnerId }, orderBy: [{ field: 'currency', direction: 'asc' }], limit: 200 });
    return docs.map(views.totals);
  }
}
