import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IncomingReceivedDto } from './incoming-webhook.dto.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, notFound } from '@partner-ledger/domain';
import { PROBLEM_CONTENT_TYPE } from '@partner-ledger/platform';
import { IncomingWebhookService } from './incoming-webhook.service.js';

/**
 * The public side of incoming webhooks: no API key, the token in the URL is the credential. An
 * unknown token, a wrong secret and a deleted webhook all answer the same 404.
 */
@Controller('v1')
@ApiTags('incoming-webhooks')
export class ReceiveIncomingWebhookController {
  constructor(private readonly service: IncomingWebhookService) {}

  @Post('incoming/:token')
  @ApiOperation({
    summary: 'Test URL or production URL of an incoming webhook (public; the token is the credential)',
    description:
      'Test URL: stores the JSON body as a sample, creates nothing, answers its paths; once a mapping is saved, also `dryRun` with the events the production URL would write. ' +
      'Production URL: 201 when something was created, 200 when the payload was already applied (re-sends are no-ops), 422 naming the target field and its path when a value is missing or refused. ' +
      '404 unknown token, 400 malformed JSON or a body that is not an object, 413 over the body limit, 429 over the rate limit (with Retry-After).',
  })
  @ApiResponse({ status: 200, type: IncomingReceivedDto, description: 'Test URL: the sample stored (and the dry run); production URL: already applied' })
  @ApiResponse({ status: 201, type: IncomingReceivedDto, description: 'Production URL: created' })
  @ApiResponse({ status: 422, description: 'A target field missing or refused, naming it and its path' })
  @ApiResponse({ status: 429, description: '`rate_limited`, with Retry-After' })
  async receive(@Param('token') token: string, @Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const opened = await this.service.open(token);
    if (!opened) throw notFound('incoming_webhook_not_found', 'no incoming webhook has this URL (wrong, rotated or deleted token)');
    const wait = await this.service.throttle(opened.webhook.id, opened.kind);
    if (wait > 0) {
      void reply.header('retry-after', String(wait));
      throw new DomainError('rate_limited', 'rate_limited', `more than ${this.service.options.ratePerSecond} requests per second at this URL; retry after ${wait}s`);
    }
    const bytes = Number(request.headers['content-length'] ?? Buffer.byteLength(JSON.stringify(body ?? null)));
    const received = await this.service.receive(opened.webhook, opened.kind, body, bytes, String(request.id));
    if (received.status < 400) return reply.status(received.status).send(received.body);
    // A Buffer keeps Fastify from appending a charset to the problem+json type, as every other refusal is sent.
    return reply
      .status(received.status)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send(Buffer.from(JSON.stringify(received.body)));
  }
}
