import { Body, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { unprocessable } from '@partner-ledger/domain';
import { IncomingWebhookRepository } from '@partner-ledger/webhook-runtime';
import type { IncomingAction, Mapping } from '@partner-ledger/webhooks';
import { ApiController } from '../../shared/http.js';
import { Lookups } from '../../shared/lookups.js';
import { IncomingWebhookService } from '../incoming-webhook.service.js';
import { checkMapping, mappingWarnings, requireIncomingWebhook } from '../mapping-rules.js';
import { type DryRunEventDto, DryRunMappingDto, MappingDryRunDto } from './dry-run-mapping.dto.js';

/**
 * A mapping tried before it is saved: checked as saving would check it, then run on a kept sample
 * through the production URL's handlers over a store that keeps its writes in memory. So the
 * console shows the events a mapping would write while the operator is still choosing the paths.
 */
@ApiController('incoming-webhooks')
export class DryRunMappingController {
  constructor(
    private readonly webhooks: IncomingWebhookRepository,
    private readonly service: IncomingWebhookService,
    private readonly lookups: Lookups,
  ) {}

  @Post('programs/:pid/incoming-webhooks/:id/mapping/dry-run')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Dry-run a mapping on a kept sample without saving it: the events the production URL would write, or the refusal it would get',
    description:
      'The body is the mapping as `PUT …/mapping` takes it, plus `sample` (0 = the newest kept sample). Nothing is written: not the mapping, not an event, not the request log. ' +
      'A payload the handlers would refuse is a 200 with `dryRun.wouldSucceed: false` and the problem the production URL would answer.',
  })
  @ApiResponse({ status: 200, type: MappingDryRunDto })
  @ApiResponse({
    status: 422,
    description: '`no_sample` (nothing received at the test URL yet), `sample_not_found` (fewer samples kept), `invalid_mapping` (every problem in `errors`, as saving refuses it)',
  })
  async dryRun(@Param('pid') pid: string, @Param('id') id: string, @Body() body: DryRunMappingDto, @Req() request: FastifyRequest): Promise<MappingDryRunDto> {
    const webhook = await requireIncomingWebhook(this.lookups, this.webhooks, pid, id);
    const mapping: Mapping = { action: body.action as IncomingAction, fields: { ...body.fields } };
    checkMapping(webhook, mapping.action, mapping.fields);
    const index = body.sample ?? 0;
    const sample = webhook.samples[index];
    if (!sample) throw unprocessable('sample_not_found', `this incoming webhook keeps ${webhook.samples.length} sample(s); sample ${index} is not one of them (0 is the newest)`, 'sample');
    // The same context the production URL gives its commands, so the events shown are the ones it would write.
    const ctx = { correlationId: String(request.id), source: 'incoming-webhook' as const, actor: { type: 'INCOMING_WEBHOOK' as const, id: webhook.id } };
    const dryRun = await this.service.dryRun(webhook.programId, mapping, sample.body as object, ctx);
    return {
      action: mapping.action,
      mapping: mapping.fields,
      sample: { index, receivedAt: sample.receivedAt },
      warnings: mappingWarnings(mapping.action, mapping.fields),
      dryRun: { ...dryRun, error: dryRun.error as unknown as Record<string, unknown> | undefined, events: dryRun.events as DryRunEventDto[] },
    };
  }
}
