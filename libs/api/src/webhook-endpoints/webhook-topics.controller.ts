import { Get } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { OpenApiWebhook } from '@partner-ledger/platform';
import { TOPIC_CATALOGUE, WEBHOOK_REQUEST_HEADERS } from '@partner-ledger/webhooks';
import { ApiController } from '../shared/http.js';
import { TopicCatalogueDto } from './webhook-endpoint.dto.js';

/** The catalogue as the OpenAPI document's `webhooks` (one per topic; see platform's openapi.ts). */
export const TOPIC_WEBHOOKS: OpenApiWebhook[] = TOPIC_CATALOGUE.map((entry) => ({
  name: entry.topic,
  description: entry.description,
  schema: entry.schema,
  example: entry.example,
  headers: { ...WEBHOOK_REQUEST_HEADERS },
}));

/** Every topic the engine sends, with a JSON Schema of its body and an example; the same for every program. */
@ApiController('webhook-endpoints')
export class WebhookTopicsController {
  @Get('webhook-topics')
  @ApiResponse({ status: 200, type: TopicCatalogueDto })
  @ApiOperation({ summary: 'The catalogue of topics: each with its description, the JSON Schema (2020-12) of its body, and an example' })
  topics() {
    return { items: TOPIC_CATALOGUE.map(({ topic, description, schema, example }) => ({ topic, description, schema, example })) };
  }
}
