import { Body, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { randomBytes } from 'node:crypto';
import { invalid } from '@partner-ledger/domain';
import { EVENT_STORE, type EventStore } from '@partner-ledger/event-store';
import { EndpointGate, EndpointRepository, newWebhookEndpoint, tryFilter, type WebhookEndpoint } from '@partner-ledger/webhook-runtime';
import { newWebhookSecret } from '@partner-ledger/webhooks';
import type { AllowedCidrs } from '@partner-ledger/config';
import { checkUrlAtSave, type Resolver } from '@partner-ledger/webhook-runtime';
import { expandTopics, isTopic, parseFilter, type PayloadFilter, parseRateLimit, parseTopics, type Topic, TOPICS } from '@partner-ledger/webhooks';
import { decodeCursor, encodeCursor, parseLimit } from '../queries/read-models.js';
import { ApiController, problem } from '../shared/http.js';
import { Lookups } from '../shared/lookups.js';
import { endpointView as view, EndpointOperations } from './endpoint-operations.js';
import {
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  FilterTestDto,
  FilterTestResultDto,
  RotatedSecretDto,
  RotateSecretDto,
  UpdateWebhookEndpointDto,
  WebhookEndpointDto,
  WebhookEndpointPageDto,
  WebhookEndpointStatusDto,
} from './webhook-endpoint.dto.js';

export const WEBHOOK_POLICY = Symbol('WEBHOOK_POLICY');
export interface WebhookPolicy {
  allowed: AllowedCidrs;
  /** Injected by tests so no real DNS is asked. */
  resolve?: Resolver;
}

/** Subscriptions of outside URLs to topics. The secret is shown on creation and rotation only. */
@ApiController('webhook-endpoints')
export class WebhookEndpointsController {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly gate: EndpointGate,
    private readonly operations: EndpointOperations,
    private readonly lookups: Lookups,
    @Inject(WEBHOOK_POLICY) private readonly policy: WebhookPolicy,
    @Inject(EVENT_STORE) private readonly events: EventStore,
  ) {}

  @Post('programs/:pid/webhook-endpoints')
  @HttpCode(201)
  @ApiOperation({ summary: 'Subscribe a URL to topics; answers the signing secret (whsec_…) once' })
  @ApiResponse({ status: 201, type: CreatedWebhookEndpointDto })
  @ApiResponse({
    status: 400,
    ...problem('bad topics (`invalid_topics`, `unknown_topic`), filter (`invalid_filter`), or URL (`invalid_url`, `url_scheme_not_allowed`, `url_unresolvable`, `ssrf_blocked`, …)'),
  })
  @ApiResponse({ status: 404, ...problem('no such program') })
  async create(@Param('pid') pid: string, @Body() body: CreateWebhookEndpointDto) {
    await this.lookups.requireProgram(pid);
    const topics = parseTopics(body.topics);
    const filter = body.filter === undefined ? null : await parseFilter(body.filter);
    const rateLimit = body.rateLimit === undefined ? null : parseRateLimit(body.rateLimit);
    const { url } = await checkUrlAtSave(body.url, this.policy);
    const secret = newWebhookSecret();
    const endpoint = newWebhookEndpoint({
      id: `whe_${randomBytes(10).toString('hex')}`,
      programId: pid,
      url: url.href,
      topics,
      filter,
      rateLimit,
      ordering: body.ordering,
      description: body.description ?? null,
      secret,
    });
    await this.endpoints.save(endpoint);
    return { ...view(endpoint), secret };
  }

  @Get('programs/:pid/webhook-endpoints')
  @ApiOperation({ summary: "The program's endpoints, oldest first" })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiResponse({ status: 200, type: WebhookEndpointPageDto })
  async list(@Param('pid') pid: string, @Query('cursor') cursor?: string, @Query('limit') limit?: string) {
    await this.lookups.requireProgram(pid);
    const n = parseLimit(limit);
    const found = await this.endpoints.page(pid, decodeCursor(cursor), n + 1);
    const items = found.slice(0, n);
    const last = items.at(-1);
    return { items: items.map(view), nextCursor: found.length > n && last ? encodeCursor([last.createdAt, last.id]) : null };
  }

  @Get('programs/:pid/webhook-endpoints/:id')
  @ApiOperation({ summary: 'One endpoint, with `throttle`: its circuit (closed, open, half-open), failures in a row, next probe, and a 429/503 pause' })
  @ApiResponse({ status: 200, type: WebhookEndpointStatusDto })
  @ApiResponse({ status: 404, ...problem('no such program or endpoint (`webhook_endpoint_not_found`)') })
  async get(@Param('pid') pid: string, @Param('id') id: string) {
    const endpoint = await this.require(pid, id);
    return { ...view(endpoint), throttle: await this.gate.status(endpoint.id) };
  }

  @Patch('programs/:pid/webhook-endpoints/:id')
  @ApiOperation({ summary: 'Change the URL, topics, filter (null removes it), rate limit (null removes it), ordering, description, or enable/disable' })
  @ApiResponse({ status: 200, type: WebhookEndpointDto })
  @ApiResponse({ status: 400, ...problem('a bad field, named') })
  @ApiResponse({ status: 404, ...problem('no such program or endpoint (`webhook_endpoint_not_found`)') })
  async update(@Param('pid') pid: string, @Param('id') id: string, @Body() body: UpdateWebhookEndpointDto) {
    const endpoint = await this.require(pid, id);
    const next: WebhookEndpoint = { ...endpoint, updatedAt: new Date().toISOString() };
    if (body.topics !== undefined) next.topics = parseTopics(body.topics);
    if (body.filter !== undefined) next.filter = await parseFilter(body.filter);
    if (body.rateLimit !== undefined) next.rateLimit = parseRateLimit(body.rateLimit);
    if (body.url !== undefined) next.url = (await checkUrlAtSave(body.url, this.policy)).url.href;
    if (body.description !== undefined) next.description = body.description;
    if (body.ordering !== undefined) next.ordering = body.ordering;
    if (body.enabled !== undefined) {
      next.enabled = body.enabled;
      next.disabledReason = body.enabled ? null : 'disabled by request';
      if (body.enabled) next.failingSince = null;
    }
    await this.endpoints.save(next);
    return view(next);
  }

  @Delete('programs/:pid/webhook-endpoints/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove an endpoint; nothing more is sent to it' })
  async delete(@Param('pid') pid: string, @Param('id') id: string) {
    await this.require(pid, id);
    await this.endpoints.delete(pid, id);
  }

  @Post('programs/:pid/webhook-endpoints/:id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'New signing secret; the old one keeps signing beside it for the overlap window' })
  @ApiResponse({ status: 200, type: RotatedSecretDto })
  @ApiResponse({ status: 400, ...problem('overlapSeconds out of range') })
  @ApiResponse({ status: 404, ...problem('no such program or endpoint (`webhook_endpoint_not_found`)') })
  async rotate(@Param('pid') pid: string, @Param('id') id: string, @Body() body: RotateSecretDto = {}) {
    return this.operations.rotate(await this.require(pid, id), body?.overlapSeconds);
  }

  @Post('programs/:pid/webhook-endpoints/filter-test')
  @HttpCode(200)
  @ApiResponse({ status: 200, type: FilterTestResultDto })
  @ApiOperation({ summary: "Try a filter on the program's latest payloads (of every topic, or `topic`): which it would send" })
  async filterTest(@Param('pid') pid: string, @Body() body: FilterTestDto) {
    await this.lookups.requireProgram(pid);
    if (body.filter === undefined) throw invalid('invalid_filter', 'filter is required: a query object, or null for none', 'filter');
    return this.tryOn(pid, await parseFilter(body.filter), [...TOPICS], body);
  }

  @Post('programs/:pid/webhook-endpoints/:id/filter-test')
  @HttpCode(200)
  @ApiResponse({ status: 200, type: FilterTestResultDto })
  @ApiOperation({ summary: "Try a filter (the endpoint's own by default) on the latest payloads of the endpoint's topics" })
  async endpointFilterTest(@Param('pid') pid: string, @Param('id') id: string, @Body() body: FilterTestDto) {
    const endpoint = await this.require(pid, id);
    const filter = body.filter === undefined ? (endpoint.filter ?? null) : await parseFilter(body.filter);
    return this.tryOn(pid, filter, expandTopics(endpoint.topics), body);
  }

  private async tryOn(pid: string, filter: PayloadFilter | null, topics: Topic[], body: FilterTestDto) {
    if (body.topic !== undefined) {
      if (!isTopic(body.topic) || !topics.includes(body.topic)) throw invalid('unknown_topic', `topic: ${JSON.stringify(body.topic)} is not one of ${topics.join(', ')}`, 'topic');
      topics = [body.topic];
    }
    const items = await tryFilter(this.events, pid, { filter, topics, limit: body.limit ?? 20 });
    return { filter, tried: items.length, matched: items.filter((i) => i.matches).length, items };
  }

  private async require(pid: string, id: string): Promise<WebhookEndpoint> {
    await this.lookups.requireProgram(pid);
    return this.operations.endpoint(pid, id);
  }
}
