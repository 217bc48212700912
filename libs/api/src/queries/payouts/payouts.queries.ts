import { Get, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { csvField } from '@partner-ledger/analytics';
import { formatAmount, invalid, loadMinor, notFound, type PayoutStatus, payoutStream } from '@partner-ledger/domain';
import { docId, PARTNERS, PAYOUTS } from '@partner-ledger/projections';
import type { Scalar, StoredDoc } from '@partner-ledger/read-store';
import type { FastifyReply } from 'fastify';
import { ApiEtag } from '../../shared/etag.js';
import { ApiController } from '../../shared/http.js';
import { Lookups } from '../../shared/lookups.js';
import { type PayoutRecord, payoutView } from '../../shared/payout-view.js';
import { PayoutDto, PayoutPageDto } from '../../use-cases/create-payout/create-payout.dto.js';
import { EntityEtags } from '../entity-etags.js';
import { parseLimit, ReadModels } from '../read-models.js';

const STATUSES: PayoutStatus[] = ['DRAFT', 'PAID', 'CANCELLED'];
export const PAYOUT_CSV_COLUMNS = ['partner_id', 'email', 'name', 'amount', 'currency', 'reference'];

const view = (doc: StoredDoc) => payoutView(doc as unknown as PayoutRecord);

/**
 * A spreadsheet opens a cell starting with = + - @ (or a tab or CR) as a formula: such a text field
 * (a partner's name, say) is prefixed with a quote so an export can never run one.
 */
const textCell = (value: string) => csvField(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

@ApiController('payouts')
export class PayoutQueriesController {
  constructor(
    private readonly read: ReadModels,
    private readonly lookups: Lookups,
    private readonly etags: EntityEtags,
  ) {}

  @Get('programs/:pid/payouts')
  @ApiOperation({ summary: 'List payouts, newest first; filter by status' })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 50' })
  @ApiQuery({ name: 'minPosition', required: false, description: 'wait until the read models include this position' })
  @ApiResponse({ status: 200, type: PayoutPageDto })
  async list(@Param('pid') pid: string, @Query('status') status?: string, @Query('cursor') cursor?: string, @Query('limit') limit?: string, @Query('minPosition') minPosition?: string) {
    await this.lookups.requireProgram(pid);
    if (status !== undefined && !STATUSES.includes(status as PayoutStatus)) throw invalid('invalid_status', `status must be one of ${STATUSES.join(', ')}`, 'status');
    const where: Record<string, Scalar> = { programId: pid, ...(status !== undefined ? { status } : {}) };
    const n = parseLimit(limit);
    const ns = await this.read.consistent(minPosition);
    return this.read.page(ns, PAYOUTS, { where, orderBy: [{ field: 'seq', direction: 'desc' }] }, cursor, n, view);
  }

  @Get('programs/:pid/payouts/:id')
  @ApiOperation({ summary: 'One payout' })
  @ApiQuery({ name: 'minPosition', required: false })
  @ApiResponse({ status: 200, type: PayoutDto })
  @ApiEtag()
  async get(@Param('pid') pid: string, @Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply, @Query('minPosition') minPosition?: string) {
    const doc = await this.payout(pid, id, minPosition);
    await this.etags.set(reply, payoutStream(pid, id), doc);
    return view(doc);
  }

  @Get('programs/:pid/payouts/:id/export')
  @ApiOperation({
    summary: "A payout's items as CSV for a payment provider's mass-payment upload",
    description: 'Columns: partner_id, email, name, amount, currency, reference (the payout id, so the provider report leads back to the batch). RFC 4180 quoting.',
  })
  @ApiQuery({ name: 'format', required: true, enum: ['csv'] })
  @ApiQuery({ name: 'minPosition', required: false })
  @ApiProduces('text/csv')
  @ApiResponse({ status: 200, description: 'text/csv; a header row, then one row per item', content: { 'text/csv': { schema: { type: 'string' } } } })
  async export(
    @Param('pid') pid: string,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('format') format?: string,
    @Query('minPosition') minPosition?: string,
  ) {
    if (format !== 'csv') throw invalid('invalid_format', 'format must be csv', 'format');
    const doc = await this.payout(pid, id, minPosition);
    const payout = doc as unknown as PayoutRecord;
    const ns = await this.read.readSide.activeNamespace();
    const partners = await this.read.readSide.store.getMany(
      ns,
      PARTNERS,
      payout.items.map((item) => docId(pid, item.partnerId)),
    );
    const rows = payout.items.map((item) => {
      const partner = partners.get(docId(pid, item.partnerId));
      return [
        textCell(item.partnerId),
        textCell(String(partner?.email ?? '')),
        textCell(String(partner?.name ?? '')),
        formatAmount(loadMinor(item.amountMinor), payout.currency),
        payout.currency,
        textCell(payout.payoutId),
      ].join(',');
    });
    void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${payout.payoutId}.csv"`);
    return [PAYOUT_CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
  }

  private async payout(pid: string, id: string, minPosition: string | undefined): Promise<StoredDoc> {
    await this.lookups.requireProgram(pid);
    const ns = await this.read.consistent(minPosition);
    const doc = await this.read.readSide.store.get(ns, PAYOUTS, docId(pid, id));
    if (!doc) throw notFound('payout_not_found', `payout ${id} not found`);
    return doc;
  }
}
