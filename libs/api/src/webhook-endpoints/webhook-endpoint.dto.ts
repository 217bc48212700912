import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsArray, IsBoolean, IsIn, IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { ENDPOINT_ORDERINGS, type EndpointOrdering } from '@partner-ledger/webhook-runtime';
import { TOPICS } from '@partner-ledger/webhooks';
import { Optional } from '../shared/http.js';

const ORDERING_DESCRIPTION =
  "none (default): each delivery on its own, in any order. partner: the deliveries about one partner reach the endpoint one at a time in `sequence` order; a failing one holds back only that partner's later ones until it is delivered, resent or dead-lettered";

export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://hooks.example.com/partner-ledger' })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiProperty({ example: ['NEW_CONVERSION', 'APPROVED_CONVERSION'], description: 'Topics, or ["ALL"]' })
  @IsArray()
  topics!: string[];

  @ApiPropertyOptional({ maxLength: 500 })
  @Optional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { order_id: { $in: ['A-1', 'A-2'] } },
    description:
      'A MongoDB-style query over the webhook body; only bodies it matches are sent (null: all). Amounts are strings: `{"total": "120.00"}` compares text; compare numbers with `{"$expr": {"$gte": [{"$toDecimal": "$total"}, 100]}}`',
  })
  // Any JSON: parseFilter checks it, naming the field.
  @Allow()
  filter?: Record<string, unknown> | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    maximum: 10000,
    example: 20,
    description: 'Deliveries per second at most, across every delivery worker (a fraction below 1: one per 1/rate s; above 1, rounded down). Null or absent: unlimited',
  })
  // Any JSON: parseRateLimit checks it, naming the field.
  @Allow()
  rateLimit?: number | null;

  @ApiPropertyOptional({ enum: ENDPOINT_ORDERINGS, description: ORDERING_DESCRIPTION })
  @Optional()
  @IsIn(ENDPOINT_ORDERINGS)
  ordering?: EndpointOrdering;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional()
  @Optional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ description: 'Topics, or ["ALL"]' })
  @Optional()
  @IsArray()
  topics?: string[];

  @ApiPropertyOptional({ description: 'Re-enabling clears the reason it was disabled' })
  @Optional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ maxLength: 500 })
  @Optional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { order_id: { $in: ['A-1', 'A-2'] } },
    description:
      'A MongoDB-style query over the webhook body; only bodies it matches are sent (null: all). Amounts are strings: `{"total": "120.00"}` compares text; compare numbers with `{"$expr": {"$gte": [{"$toDecimal": "$total"}, 100]}}`',
  })
  // Any JSON: parseFilter checks it, naming the field.
  @Allow()
  filter?: Record<string, unknown> | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    maximum: 10000,
    example: 20,
    description: 'Deliveries per second at most, across every delivery worker (a fraction below 1: one per 1/rate s; above 1, rounded down). Null removes the limit',
  })
  // Any JSON: parseRateLimit checks it, naming the field.
  @Allow()
  rateLimit?: number | null;

  @ApiPropertyOptional({ enum: ENDPOINT_ORDERINGS, description: ORDERING_DESCRIPTION })
  @Optional()
  @IsIn(ENDPOINT_ORDERINGS)
  ordering?: EndpointOrdering;
}

export class FilterTestDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: "The filter to try (required on the program's route; the endpoint's own filter by default on an endpoint's)",
    example: { order_id: { $in: ['A-1', 'A-2'] } },
  })
  @Allow()
  filter?: Record<string, unknown> | null;

  @ApiPropertyOptional({ description: "Only this topic's payloads (on an endpoint's route, one it subscribes to)" })
  @Optional()
  @IsString()
  topic?: string;

  @ApiPropertyOptional({ description: 'How many of the latest payloads to try, 1-100', default: 20 })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class RotateSecretDto {
  @ApiPropertyOptional({ description: 'How long the old secret keeps signing beside the new one (seconds, default 86400, max 7 days)', default: 86400 })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(7 * 86400)
  overlapSeconds?: number;
}

// Response shapes, for the OpenAPI document only.

export class WebhookEndpointDto {
  @ApiProperty({ example: 'whe_3f2a9c0d1e4b5a6c7d8e' })
  id!: string;
  @ApiProperty({ example: 'https://hooks.example.com/partner-ledger' })
  url!: string;
  @ApiProperty({ type: [String], example: ['NEW_CONVERSION'], description: 'Topics, or ["ALL"]' })
  topics!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The body filter, or null' })
  filter!: Record<string, unknown> | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Deliveries per second at most, or null for no limit' })
  rateLimit!: number | null;
  @ApiProperty({ enum: ENDPOINT_ORDERINGS, description: ORDERING_DESCRIPTION })
  ordering!: EndpointOrdering;
  @ApiProperty()
  enabled!: boolean;
  @ApiProperty({ type: String, nullable: true })
  description!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why it is disabled (by request, `410 Gone`, failing for 5 days)' })
  disabledReason!: string | null;
  @ApiProperty()
  createdAt!: string;
  @ApiProperty()
  updatedAt!: string;
}

export class WebhookEndpointStatusDto extends WebhookEndpointDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Its circuit (closed, open, half-open), failures in a row, next probe, and a 429/503 pause',
  })
  throttle!: Record<string, unknown>;
}

export class WebhookEndpointPageDto {
  @ApiProperty({ type: [WebhookEndpointDto], description: 'Oldest first' })
  items!: WebhookEndpointDto[];
  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class CreatedWebhookEndpointDto extends WebhookEndpointDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'The signing secret: shown this once' })
  secret!: string;
}

export class RotatedSecretDto extends CreatedWebhookEndpointDto {
  @ApiProperty({ type: String, nullable: true, description: 'Until when the previous secrets keep signing beside the new one; null without an overlap' })
  previousSecretsExpireAt!: string | null;
}

export class FilterTestItemDto {
  @ApiProperty() eventId!: string;
  @ApiProperty({ example: '12' }) position!: string;
  @ApiProperty() created!: string;
  @ApiProperty({ enum: TOPICS }) topic!: string;
  @ApiProperty({ description: 'Whether the filter would send it' }) matches!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The webhook body' }) body!: Record<string, unknown>;
}

export class FilterTestResultDto {
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The filter tried' }) filter!: Record<string, unknown> | null;
  @ApiProperty({ description: 'Payloads tried' }) tried!: number;
  @ApiProperty({ description: 'Of those, how many it would send' }) matched!: number;
  @ApiProperty({ type: [FilterTestItemDto], description: 'Newest first' }) items!: FilterTestItemDto[];
}

export class TopicEntryDto {
  @ApiProperty({ enum: TOPICS }) topic!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: "JSON Schema (2020-12) of the topic's body" }) schema!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true }) example!: Record<string, unknown>;
}

export class TopicCatalogueDto {
  @ApiProperty({ type: [TopicEntryDto] }) items!: TopicEntryDto[];
}
