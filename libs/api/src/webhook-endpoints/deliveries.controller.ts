import { applyDecorators, Body, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { invalid } from '@partner-ledger/domain';
import { DELIVERY_STATUSES } from '@partner-ledger/webhook-runtime';
import { TOPICS } from '@partner-ledger/webhooks';
import { decodeCursor, parseLimit } from '../queries/read-models.js';
import { ApiController, problem } from '../shared/http.js';
import { Lookups } from '../shared/lookups.js';
import { BulkResendDto, BulkResendResultDto, DEFAULT_BULK_RESEND, DeliveryPageDto, MAX_BULK_RESEND, ResendResultDto, TestDeliveryDto } from './deliveries.dto.js';
import { deliveryView, EndpointOperations, parseSearch } from './endpoint-operations.js';

/** The query of a deliveries search, as the list route and the consumer portal's declare it. */
export const DeliverySearchQuery = () =>
  applyDecorators(
    ApiQuery({ name: 'status', required: false, enum: DELIVERY_STATUSES }),
    ApiQuery({ name: 'topic', required: false, enum: TOPICS }),
    ApiQuery({ name: 'partnerId', required: false, description: 'The partner the body is about (payouts and tests have none)' }),
    ApiQuery({ name: 'eventId', required: false }),
    ApiQuery({ name: 'from', required: false, description: 'first attempt at or after (ISO 8601)' }),
    ApiQuery({ name: 'to', required: false, description: 'first attempt before (ISO 8601)' }),
    ApiQuery({ name: 'cursor', required: false }),
    ApiQuery({ name: 'limit', required: false }),
    ApiResponse({ status: 200, type: DeliveryPageDto }),
    ApiResponse({ status: 400, ...problem('a bad search field (`invalid_status`, `unknown_topic`, `invalid_time`, `invalid_range`), `invalid_limit` or `invalid_cursor`') }),
  );

/**
 * What was sent to an endpoint, and sending it again: search the log, resend one or a search's
 * matches, send a test (replaying history is a job: replay-jobs.controller.ts).
 */
@ApiController('webhook-endpoints')
export class DeliveriesController {
  constructor(
    private readonly operations: EndpointOperations,
    private readonly lookups: Lookups,
  ) {}

  @Get('programs/:pid/webhook-endpoints/:id/deliveries')
  @ApiOperation({
    summary:
      'Deliveries to this endpoint, newest first (by first attempt), each with its attempts (status, latency, first 1 KiB of the response); search by status, topic, partner, event and time [from, to)',
  })
  @DeliverySearchQuery()
  @ApiResponse({ status: 404, ...problem('no such program or endpoint') })
  async list(
    @Param('pid') pid: string,
    @Param('id') id: string,
    @Query('status') status?: string,
    @Query('topic') topic?: string,
    @Query('partnerId') partnerId?: string,
    @Query('eventId') eventId?: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('cursor') cursor?: string,
    @Query('limit') limit?: string,
  ) {
    const search = parseSearch({ status, topic, partnerId, eventId, from, to });
    const n = parseLimit(limit);
    const after = decodeCursor(cursor);
    await this.lookups.requireProgram(pid);
    const endpoint = await this.operations.endpoint(pid, id);
    return this.operations.page(endpoint.id, search, after, n, deliveryView);
  }

  @Post('programs/:pid/webhook-endpoints/:id/deliveries/resend')
  @HttpCode(202)
  @ApiOperation({
    summary: `Resend the deliveries a search finds (e.g. every dead one since a time), newest first, at most ${MAX_BULK_RESEND} per call`,
    description:
      'Each goes out again as the single resend does (same webhook-id and body). Answers how many were queued and, when more matched, a `nextCursor`: send the same search with it to go on.',
  })
  @ApiResponse({ status: 202, type: BulkResendResultDto })
  @ApiResponse({ status: 400, ...problem('a bad search field or `invalid_limit`') })
  @ApiResponse({ status: 404, ...problem('no such program or endpoint') })
  async resendMatching(@Param('pid') pid: string, @Param('id') id: string, @Body() body: BulkResendDto = {}) {
    const search = parseSearch(body ?? {});
    const limit = body?.limit ?? DEFAULT_BULK_RESEND;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BULK_RESEND) throw invalid('invalid_limit', `limit must be an integer from 1 to ${MAX_BULK_RESEND}`, 'limit');
    const after = decodeCursor(body?.cursor);
    await this.lookups.requireProgram(pid);
    const endpoint = await this.operations.endpoint(pid, id);
    return this.operations.resendMatching(endpoint.id, search, after, limit);
  }

  @Post('programs/:pid/deliveries/:deliveryId/resend')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send one delivery again (same webhook-id and body), whether it succeeded or was dead-lettered' })
  @ApiResponse({ status: 202, type: ResendResultDto })
  @ApiResponse({ status: 404, ...problem('no such program or delivery (`delivery_not_found`)') })
  async resend(@Param('pid') pid: string, @Param('deliveryId') deliveryId: string) {
    await this.lookups.requireProgram(pid);
    return this.operations.resend(pid, deliveryId);
  }

  @Post('programs/:pid/webhook-endpoints/:id/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a signed test delivery (`"test": true`) to check the URL and the signature' })
  @ApiResponse({ status: 202, type: TestDeliveryDto })
  @ApiResponse({ status: 404, ...problem('no such program or endpoint') })
  async test(@Param('pid') pid: string, @Param('id') id: string) {
    await this.lookups.requireProgram(pid);
    return this.operations.sendTest(await this.operations.endpoint(pid, id));
  }
}
