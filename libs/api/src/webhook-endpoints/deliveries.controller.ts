import { Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { notFound } from '@partner-ledger/domain';
import { BUS, type Bus } from '@partner-ledger/bus';
import { DeliveryLog, EndpointRepository } from '@partner-ledger/webhook-runtime';
import { testTopicOf } from '@partner-ledger/webhooks';
import { decodeCursor, encodeCursor, parseLimit } from '../queries/read-models.js';
import { ApiController } from '../shared/http.js';
import { Lookups } from '../shared/lookups.js';

/** What was sent to an endpoint, and sending it again: resend one, send a test (replaying history is a job: replay-jobs.controller.ts). */
@ApiController('webhook-endpoints')
export class DeliveriesController {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly deliveries: DeliveryLog,
    private readonly lookups: Lookups,
    @Inject(BUS) private readonly bus: Bus,
  ) {}

  @Get('programs/:pid/webhook-endpoints/:id/deliveries')
  @ApiOperation({ summary: 'Deliveries to this endpoint, newest first, each with its attempts (status, latency, first 1 KiB of the response)' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  async list(@Param('pid') pid: string, @Param('id') id: string, @Query('cursor') cursor?: string, @Query('limit') limit?: string) {
    await this.endpoint(pid, id);
    const n = parseLimit(limit);
    const found = await this.deliveries.page(id, decodeCursor(cursor), n + 1);
    const items = found.slice(0, n);
    const last = items.at(-1);
    return {
      items: items.map(({ body: _body, programId: _p, ...d }) => d),
      nextCursor: found.length > n && last ? encodeCursor([last.createdAt, `${last.endpointId}.${last.webhookId}`]) : null,
    };
  }

  @Post('programs/:pid/deliveries/:deliveryId/resend')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send one delivery again (same webhook-id and body), whether it succeeded or was dead-lettered' })
  async resend(@Param('pid') pid: string, @Param('deliveryId') deliveryId: string) {
    await this.lookups.requireProgram(pid);
    const delivery = await this.deliveries.get(deliveryId);
    if (!delivery || delivery.programId !== pid) throw notFound('delivery_not_found', `delivery ${deliveryId} not found`);
    const key = { messageId: delivery.eventId, endpointId: delivery.endpointId };
    const requeued = await this.bus.requeueDeadLetter(key);
    if (requeued === 0) await this.bus.publish([{ ...key, topic: delivery.topic, body: delivery.body }]);
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

  private async endpoint(pid: string, id: string) {
    await this.lookups.requireProgram(pid);
    const endpoint = await this.endpoints.get(pid, id);
    if (!endpoint) throw notFound('webhook_endpoint_not_found', `webhook endpoint ${id} not found`);
    return endpoint;
  }
}
