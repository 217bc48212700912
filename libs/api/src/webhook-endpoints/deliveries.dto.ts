import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString } from 'class-validator';
import { TOPICS } from '@partner-ledger/webhooks';
import { DELIVERY_STATUSES } from '@partner-ledger/webhook-runtime';
import { Optional } from '../shared/http.js';

/** Most deliveries one bulk resend call queues; `nextCursor` continues the same search. */
export const MAX_BULK_RESEND = 500;
export const DEFAULT_BULK_RESEND = 100;

/** The search of an endpoint's deliveries; query parameters on the list, the body of a bulk resend. */
export class DeliverySearchDto {
  @ApiPropertyOptional({
    enum: DELIVERY_STATUSES,
    description:
      "pending: still being retried; delivered: a 2xx came back; dead: retries exhausted (or 410, or the endpoint disabled); event: the endpoint's circuit opened or closed (no attempts)",
  })
  @Optional()
  @IsString()
  status?: string;

  @ApiPropertyOptional({ enum: TOPICS })
  @Optional()
  @IsString()
  topic?: string;

  @ApiPropertyOptional({ description: 'The partner the body is about (conversions, affiliates, triggers; payouts and tests have none)' })
  @Optional()
  @IsString()
  partnerId?: string;

  @ApiPropertyOptional({ description: 'The event sent (the bus message id; one webhook-id per event and endpoint)' })
  @Optional()
  @IsString()
  eventId?: string;

  @ApiPropertyOptional({ description: 'ISO 8601: first attempt at or after' })
  @Optional()
  @IsString()
  from?: string;

  @ApiPropertyOptional({ description: 'ISO 8601: first attempt before' })
  @Optional()
  @IsString()
  to?: string;
}

export class BulkResendDto extends DeliverySearchDto {
  @ApiPropertyOptional({ description: "A previous call's nextCursor, with the same search" })
  @Optional()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({ description: `How many to resend in this call, 1-${MAX_BULK_RESEND}`, default: DEFAULT_BULK_RESEND })
  @Optional()
  @IsInt()
  limit?: number;
}

// Response shapes, for the OpenAPI document only.

export class AttemptDto {
  @ApiProperty({ description: 'ISO 8601' })
  at!: string;
  @ApiProperty({ description: '1 for the first try; back to 1 when a dead letter is resent' })
  attempt!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'HTTP status; null when no answer came (timeout, refused, SSRF)' })
  status!: number | null;
  @ApiProperty()
  latencyMs!: number;
  @ApiProperty({ description: 'First 1 KiB of the answer, or the error' })
  response!: string;
  @ApiProperty({ type: String, nullable: true })
  error!: string | null;
}

export class DeliveryDto {
  @ApiProperty({ description: '`<endpointId>.<webhookId>`: the id to resend' })
  id!: string;
  @ApiProperty()
  endpointId!: string;
  @ApiProperty()
  eventId!: string;
  @ApiProperty({ description: 'The `webhook-id` header: the same on every attempt, resend and replay' })
  webhookId!: string;
  @ApiProperty({ enum: TOPICS })
  topic!: string;
  @ApiProperty({ type: String, nullable: true })
  partnerId!: string | null;
  @ApiProperty({ enum: DELIVERY_STATUSES })
  status!: string;
  @ApiProperty({ type: [AttemptDto], description: 'The first 5 and the latest 15 when there were more' })
  attempts!: AttemptDto[];
  @ApiProperty({ description: 'ISO 8601: the first attempt' })
  createdAt!: string;
  @ApiProperty({ description: 'ISO 8601: the latest attempt' })
  updatedAt!: string;
}

export class DeliveryPageDto {
  @ApiProperty({ type: [DeliveryDto] })
  items!: DeliveryDto[];
  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class BulkResendResultDto {
  @ApiProperty({ description: 'Deliveries queued again by this call' })
  queued!: number;
  @ApiProperty({ type: String, nullable: true, description: 'More matched: send the same search with this cursor to go on; null when done' })
  nextCursor!: string | null;
}

export class ResendResultDto {
  @ApiProperty({ description: 'The delivery queued again' })
  id!: string;
  @ApiProperty({ description: 'Its `webhook-id`, unchanged' })
  webhookId!: string;
  @ApiProperty({ enum: [true] })
  queued!: true;
}

export class TestDeliveryDto {
  @ApiProperty({ enum: [true] })
  queued!: true;
  @ApiProperty({ description: 'The test message (`test_…`): search the deliveries with `eventId` to follow it', example: 'test_0b4f2c8e-…' })
  eventId!: string;
  @ApiProperty({ enum: TOPICS, description: "The endpoint's first topic (NEW_AFFILIATE under ALL)" })
  topic!: string;
}
