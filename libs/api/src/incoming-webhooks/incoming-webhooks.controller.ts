import { Body, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ACTION_TARGETS, INCOMING_ACTIONS, type IncomingAction } from '@partner-ledger/webhooks';
import { type IncomingWebhook, IncomingWebhookRepository } from '@partner-ledger/webhook-runtime';
import { newIncomingWebhookId, newUrlSecret, tokenFor } from '@partner-ledger/webhooks';
import { decodeCursor, encodeCursor, parseLimit } from '../queries/read-models.js';
import { ApiController } from '../shared/http.js';
import { Lookups } from '../shared/lookups.js';
import {
  CreateIncomingWebhookDto,
  IncomingRequestPageDto,
  IncomingWebhookDetailDto,
  IncomingWebhookDto,
  IncomingWebhookPageDto,
  RotateTokensDto,
  SavedMappingDto,
  SaveMappingDto,
  TargetFieldDto,
  UpdateIncomingWebhookDto,
} from './incoming-webhook.dto.js';
import { IncomingWebhookService, pathsOf } from './incoming-webhook.service.js';
import { checkMapping, mappingWarnings, requireIncomingWebhook } from './mapping-rules.js';

/** Every action's target fields, so a page can offer another action than the one mapped. */
const TARGETS = Object.fromEntries(INCOMING_ACTIONS.map((a) => [a, ACTION_TARGETS[a].map(({ name, required, description }) => ({ name, required, description }))]));

/**
 * Partnero-style incoming webhooks: an outside app posts its own JSON to a test URL (kept as a
 * sample), a mapping binds the action's target fields to paths in it, and the production URL turns
 * each payload into partners, customers or transactions.
 */
@ApiController('incoming-webhooks')
export class IncomingWebhooksController {
  constructor(
    private readonly webhooks: IncomingWebhookRepository,
    private readonly service: IncomingWebhookService,
    private readonly lookups: Lookups,
  ) {}

  @Post('programs/:pid/incoming-webhooks')
  @HttpCode(201)
  @ApiResponse({ status: 201, type: IncomingWebhookDto })
  @ApiOperation({ summary: 'Create an incoming webhook; answers its test URL and production URL (the tokens in them are the credentials)' })
  async create(@Param('pid') pid: string, @Body() body: CreateIncomingWebhookDto, @Req() request: FastifyRequest) {
    await this.lookups.requireProgram(pid);
    const now = new Date().toISOString();
    const webhook: IncomingWebhook = {
      id: newIncomingWebhookId(),
      programId: pid,
      name: body.name,
      testSecret: newUrlSecret(),
      productionSecret: newUrlSecret(),
      mapping: null,
      samples: [],
      createdAt: now,
      updatedAt: now,
    };
    await this.webhooks.save(webhook);
    return this.view(webhook, request);
  }

  @Get('programs/:pid/incoming-webhooks')
  @ApiOperation({ summary: "The program's incoming webhooks, oldest first" })
  @ApiResponse({ status: 200, type: IncomingWebhookPageDto })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  async list(@Param('pid') pid: string, @Req() request: FastifyRequest, @Query('cursor') cursor?: string, @Query('limit') limit?: string) {
    await this.lookups.requireProgram(pid);
    const n = parseLimit(limit);
    const found = await this.webhooks.page(pid, decodeCursor(cursor), n + 1);
    const items = found.slice(0, n);
    const last = items.at(-1);
    return { items: items.map((w) => this.view(w, request)), nextCursor: found.length > n && last ? encodeCursor([last.createdAt, last.id]) : null };
  }

  @Get('programs/:pid/incoming-webhooks/:id')
  @ApiExtraModels(TargetFieldDto)
  @ApiResponse({ status: 200, type: IncomingWebhookDetailDto })
  @ApiOperation({ summary: "One incoming webhook: its URLs, the latest sample, every path in the kept samples (with type and example), the mapping, and every action's target fields" })
  async get(@Param('pid') pid: string, @Param('id') id: string, @Req() request: FastifyRequest) {
    const webhook = await this.require(pid, id);
    const { paths, truncated } = pathsOf(webhook);
    return {
      ...this.view(webhook, request),
      sample: webhook.samples[0]?.body ?? null,
      samples: webhook.samples.map((s) => ({ receivedAt: s.receivedAt })),
      paths,
      pathsTruncated: truncated,
      targets: TARGETS,
    };
  }

  @Patch('programs/:pid/incoming-webhooks/:id')
  @ApiOperation({ summary: 'Rename an incoming webhook' })
  @ApiResponse({ status: 200, type: IncomingWebhookDto })
  async update(@Param('pid') pid: string, @Param('id') id: string, @Body() body: UpdateIncomingWebhookDto, @Req() request: FastifyRequest) {
    const webhook = await this.require(pid, id);
    const next = { ...webhook, name: body.name ?? webhook.name, updatedAt: new Date().toISOString() };
    await this.webhooks.save(next);
    return this.view(next, request);
  }

  @Delete('programs/:pid/incoming-webhooks/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an incoming webhook and its request log; its URLs answer 404 from now on' })
  async delete(@Param('pid') pid: string, @Param('id') id: string) {
    await this.require(pid, id);
    await this.webhooks.delete(pid, id);
  }

  @Put('programs/:pid/incoming-webhooks/:id/mapping')
  @ApiResponse({ status: 200, type: SavedMappingDto })
  @ApiOperation({
    summary: 'Choose the action and bind its target fields to paths of the samples',
    description:
      'Targets (* = required). create_partner: email*, name*, partnerId, partnerKey, referringPartnerKey. ' +
      'create_customer: email*, name*, customerKey, partnerKey, partnerId, partnerEmail, referringCustomerKey, referringCustomerEmail, referringCustomerId. ' +
      'create_transaction: amount*, customerKey or customerEmail*, customerName, transactionKey, productId, productType, partnerKey. ' +
      '422 `invalid_mapping` lists every unknown target, unbound required target and path absent from the samples.',
  })
  async saveMapping(@Param('pid') pid: string, @Param('id') id: string, @Body() body: SaveMappingDto, @Req() request: FastifyRequest) {
    const webhook = await this.require(pid, id);
    const action = body.action as IncomingAction;
    checkMapping(webhook, action, body.fields);
    // Re-read: a sample may have arrived since, and saving the stale copy would drop it.
    const current = (await this.webhooks.get(pid, id)) ?? webhook;
    const next: IncomingWebhook = { ...current, mapping: { action, fields: { ...body.fields } }, updatedAt: new Date().toISOString() };
    await this.webhooks.save(next);
    return { ...this.view(next, request), warnings: mappingWarnings(action, body.fields) };
  }

  @Post('programs/:pid/incoming-webhooks/:id/rotate-tokens')
  @HttpCode(200)
  @ApiResponse({ status: 200, type: IncomingWebhookDto })
  @ApiOperation({ summary: 'New token for the test URL, the production URL, or both; the old URLs answer 404 at once' })
  async rotate(@Param('pid') pid: string, @Param('id') id: string, @Body() body: RotateTokensDto = {}, @Req() request: FastifyRequest) {
    const webhook = await this.require(pid, id);
    const which = body?.url ?? 'both';
    const next: IncomingWebhook = {
      ...webhook,
      testSecret: which === 'production' ? webhook.testSecret : newUrlSecret(),
      productionSecret: which === 'test' ? webhook.productionSecret : newUrlSecret(),
      updatedAt: new Date().toISOString(),
    };
    await this.webhooks.save(next);
    return this.view(next, request);
  }

  @Get('programs/:pid/incoming-webhooks/:id/requests')
  @ApiResponse({ status: 200, type: IncomingRequestPageDto })
  @ApiOperation({ summary: 'Request log, newest first: time, URL, outcome, status, created or found ids, or the error (last 1,000 kept)' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  async requests(@Param('pid') pid: string, @Param('id') id: string, @Query('cursor') cursor?: string, @Query('limit') limit?: string) {
    await this.require(pid, id);
    const n = parseLimit(limit);
    const found = await this.webhooks.requests(id, decodeCursor(cursor), n + 1);
    const items = found.slice(0, n);
    const last = items.at(-1);
    return { items, nextCursor: found.length > n && last ? encodeCursor([last.at, last.id]) : null };
  }

  private view(webhook: IncomingWebhook, request: FastifyRequest) {
    const base = this.service.options.publicUrl ?? `${request.protocol}://${request.host}`;
    return {
      id: webhook.id,
      name: webhook.name,
      testUrl: `${base}/v1/incoming/${tokenFor('test', webhook.id, webhook.testSecret)}`,
      productionUrl: `${base}/v1/incoming/${tokenFor('production', webhook.id, webhook.productionSecret)}`,
      action: webhook.mapping?.action ?? null,
      mapping: webhook.mapping?.fields ?? null,
      createdAt: webhook.createdAt,
      updatedAt: webhook.updatedAt,
    };
  }

  private require(pid: string, id: string): Promise<IncomingWebhook> {
    return requireIncomingWebhook(this.lookups, this.webhooks, pid, id);
  }
}
