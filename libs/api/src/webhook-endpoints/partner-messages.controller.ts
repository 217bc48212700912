import { Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { invalid, notFound } from '@partner-ledger/domain';
import { EndpointRepository, PartnerMessages } from '@partner-ledger/webhook-runtime';
import { decodeCursor, encodeCursor, parseLimit } from '../queries/read-models.js';
import { ApiController } from '../shared/http.js';
import { Lookups } from '../shared/lookups.js';
import { PartnerMessagePageDto } from './partner-messages.dto.js';

/**
 * What a consumer that found a gap in a partner's `sequence` asks for: the payloads about that
 * partner queued for the endpoint, in sequence order, from a sequence on.
 */
@ApiController('webhook-endpoints')
export class PartnerMessagesController {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly messages: PartnerMessages,
    private readonly lookups: Lookups,
  ) {}

  @Get('programs/:pid/webhook-endpoints/:id/messages')
  @ApiOperation({
    summary: "One partner's payloads queued for this endpoint, in `sequence` order, after `afterSequence`",
    description:
      'Every body about a partner carries `sequence` (1, 2, 3… per partner and endpoint, no gaps, ordered and unordered endpoints alike): a receiver that sees one skipped asks here for what follows the last it has, delivered yet or not.',
  })
  @ApiQuery({ name: 'partnerId', required: true })
  @ApiQuery({ name: 'afterSequence', required: false, description: 'Only payloads with a higher sequence (default 0: from the first)' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiResponse({ status: 200, type: PartnerMessagePageDto })
  async list(
    @Param('pid') pid: string,
    @Param('id') id: string,
    @Query('partnerId') partnerId?: string,
    @Query('afterSequence') afterSequence?: string,
    @Query('cursor') cursor?: string,
    @Query('limit') limit?: string,
  ) {
    if (typeof partnerId !== 'string' || partnerId.length === 0) throw invalid('missing_partner', 'partnerId is required', 'partnerId');
    const after = parseAfterSequence(afterSequence);
    const n = parseLimit(limit);
    const keyset = decodeCursor(cursor);
    await this.lookups.requireProgram(pid);
    if (!(await this.endpoints.get(pid, id))) throw notFound('webhook_endpoint_not_found', `webhook endpoint ${id} not found`);
    const found = await this.messages.page(id, partnerId, after, keyset, n + 1);
    const items = found.slice(0, n);
    const last = items.at(-1);
    return { items: items.map(PartnerMessages.view), nextCursor: found.length > n && last ? encodeCursor(PartnerMessages.cursorOf(last)) : null };
  }
}

function parseAfterSequence(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw invalid('invalid_after_sequence', 'afterSequence must be an integer of 0 or more', 'afterSequence');
  return n;
}
