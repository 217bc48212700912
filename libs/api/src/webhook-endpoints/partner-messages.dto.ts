import { ApiProperty } from '@nestjs/swagger';
import { TOPICS } from '@partner-ledger/webhooks';

// Response shapes, for the OpenAPI document only.

export class PartnerMessageDto {
  @ApiProperty({ description: "The payload's number among those about its partner queued for this endpoint: 1, 2, 3… with no gaps" })
  sequence!: number;
  @ApiProperty()
  partnerId!: string;
  @ApiProperty()
  eventId!: string;
  @ApiProperty({ description: 'The `webhook-id` it is (or was) delivered with' })
  webhookId!: string;
  @ApiProperty({ enum: TOPICS })
  topic!: string;
  @ApiProperty({ description: 'ISO 8601: when it was queued' })
  createdAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: "The body as sent (the topic's schema, `sequence` included)" })
  payload!: Record<string, unknown>;
}

export class PartnerMessagePageDto {
  @ApiProperty({ type: [PartnerMessageDto] })
  items!: PartnerMessageDto[];
  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}
