import { Body, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { invalid, notFound } from '@partner-ledger/domain';
import { BUS, type Bus } from '@partner-ledger/bus';
import { DELIVERY_STATUSES, DeliveryLog, type DeliveryRecord, type DeliverySearch, EndpointRepository, resendDeliveries } from '@partner-ledger/webhook-runtime';
import { isTopic, testTopicOf, TOPICS } from '@partner-ledger/webhooks';
import { decodeCursor, encodeCursor, parseLimit, parseTime } from '../queries/read-models.js';
import { ApiController } from '../shared/http.js';
import { Lookups } from '../shared/lookups.js';
import { BulkResendDto, BulkResendResultDto, DEFAULT_BULK_RESEND, DeliveryPageDto, type DeliverySearchDto, MAX_BULK_RESEND } from './deliveries.dto.js';

const view = ({ body: _body, programId: _p, ...d }: DeliveryRecord) => d;

/**
 * What was sent to an endpoint, and sending it again: search the log, resend one or a search's
 * matches, send a test (replaying history is a job: replay-jobs.controller.ts).
 */
@ApiController('webhook-endpoints')
export class DeliveriesController {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly deliveries: DeliveryLog,
    private readonly lookups: Lookups,
    @Inject(BUS) private readonly bus: Bus,
  ) {}

  @Get('programs/:pid/webhook-endpoints/:id/deliveries')
  @ApiOperation({
    summary:
      'Deliveries to this endpoint, newest first (by first attempt), each with its attempts (status, latency, first 1 KiB of the response); search by status, topic, partner, event and time [from, to)',
  })
  @ApiQuery({ name: 'status', required: false, enum: DELIVERY_STATUSES })
  @ApiQuery({ name: 'topic', required: false, enum: TOPICS })
  @ApiQuery({ name: 'partnerId', required: false, description: 'The partner the body is about (payouts and tests have none)' })
  @ApiQuery({ name: 'eventId', required: false })
  @ApiQuery({ name: 'from', required: false, description: 'first attempt at or after (ISO 8601)' })
  @ApiQuery({ name: 'to', required: false, description: 'first attempt before (ISO 8601)' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiResponse({ status: 200, type: DeliveryPageDto })
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
    await this.endpoint(pid, id);
    return this.page(id, search, after, n, view);
  }

  @Post('programs/:pid/webhook-endpoints/:id/deliveries/resend')
  @HttpCode(202)
  @ApiOperation({
    summary: `Resend the deliveries a search finds (e.g. every dead one since a time), newest first, at most ${MAX_BULK_RESEND} per call`,
    description:
      'Each goes out again as the single resend does (same webhook-id and body). Answers how many were queued and, when more matched, a `nextCursor`: send the same search with it to go on.',
  })
  @ApiResponse({ status: 202, type: BulkResendResultDto })
  async resendMatching(@Param('pid') pid: string, @Param('id') id: string, @Body() body: BulkResendDto = {}) {
    const search = parseSearch(body ?? {});
    const limit = body?.limit ?? DEFAULT_BULK_RESEND;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BULK_RESEND) throw invalid('invalid_limit', `limit must be an integer from 1 to ${MAX_BULK_RESEND}`, 'limit');
    const after = decodeCursor(body?.cursor);
    await this.endpoint(pid, id);
    const { items, nextCursor } = await this.page(id, search, after, limit, (d) => d);
    await resendDeliveries(this.bus, items);
    return { queued: items.length, nextCursor };
  }

  @Post('programs/:pid/deliveries/:deliveryId/resend')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send one delivery again (same webhook-id and body), whether it succeeded or was dead-lettered' })
  async resend(@Param('pid') pid: string, @Param('deliveryId') deliveryId: string) {
    await this.lookups.requireProgram(pid);
    const delivery = await this.deliveries.get(deliveryId);
    if (!delivery || delivery.programId !== pid) throw notFound('delivery_not_found', `delivery ${deliveryId} not found`);
    await resendDeliveries(this.bus, [delivery]);
    return { id: deliveryId, webhookId: delivery.webhookId, queued: true };
  }

  @Post('programs/:pid/webhook-endpoints/:id/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a signed test delivery (`"test": true`) to check the URL and the signature' })
  async test(@Param('pid') pid: string, @Param('id') id: string) {
    const endpoint = await this.endpoint(pid, id);
    const topic = testTopicOf(endpoint.topics);
    const messageId = `test_${randomUUID()}`;
    await this.bus.publish([
      { messageId, topic, endpointId: endpoint.id, body: JSON.stringify({ test: true, topic, created: new Date().toISOString(), message: 'partner-ledger test delivery' }) },
    ]);
    return { queued: true, eventId: messageId, topic };
  }

  private async page<T>(endpointId: string, search: DeliverySearch, after: ReturnType<typeof decodeCursor>, limit: number, map: (d: DeliveryRecord) => T) {
    const found = await this.deliveries.page(endpointId, search, after, limit + 1);
    const items = found.slice(0, limit);
    const last = items.at(-1);
    return { items: items.map(map), nextCursor: found.length > limit && last ? encodeCursor(DeliveryLog.cursorOf(last)) : null };
  }

  private async endpoint(pid: string, id: string) {
    await this.lookups.requireProgram(pid);
    const endpoint = await this.endpoints.get(pid, id);
    if (!endpoint) throw notFound('webhook_endpoint_not_found', `webhook endpoint ${id} not found`);
    return endpoint;
  }
}

/** The search's fields, checked: 400 naming the first bad one, before anything is read or queued. */
function parseSearch(input: DeliverySearchDto): DeliverySearch {
  const { status, topic, partnerId, eventId } = input;
  if (status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(status)) {
    throw invalid('invalid_status', `status must be one of ${DELIVERY_STATUSES.join(', ')}`, 'status');
  }
  if (topic !== undefined && !isTopic(topic)) throw invalid('unknown_topic', `topic must be one of ${TOPICS.join(', ')}`, 'topic');
  const from = parseTime(input.from, 'from');
  const to = parseTime(input.to, 'to');
  if (from !== undefined && to !== undefined && from >= to) throw invalid('invalid_range', 'from must be before to', 'from');
  const search: DeliverySearch = { status: status as DeliverySearch['status'], topic, partnerId, eventId, from, to };
  return Object.fromEntries(Object.entries(search).filter(([, v]) => v !== undefined)) as DeliverySearch;
}
