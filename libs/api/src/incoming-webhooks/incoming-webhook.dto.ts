import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsString, MaxLength, MinLength } from 'class-validator';
import { INCOMING_ACTIONS } from '@partner-ledger/webhooks';
import { Optional } from '../shared/http.js';

export class CreateIncomingWebhookDto {
  @ApiProperty({ example: 'Shop orders' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;
}

export class UpdateIncomingWebhookDto {
  @ApiPropertyOptional({ example: 'Shop orders (v2)' })
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;
}

export class SaveMappingDto {
  @ApiProperty({ enum: INCOMING_ACTIONS, example: 'create_transaction' })
  @IsIn(INCOMING_ACTIONS)
  action!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'target field → path into the sample JSON (dot paths, [n] for arrays, ["a.b"] for odd keys)',
    example: { customerEmail: 'customer.email', customerName: 'customer.name', transactionKey: 'order.id', amount: 'order.amount', productId: 'order.product', partnerKey: 'referral_code' },
  })
  @IsObject()
  fields!: Record<string, string>;
}

export class RotateTokensDto {
  @ApiPropertyOptional({ enum: ['test', 'production', 'both'], default: 'both', description: 'Which URL gets a new token; the old one stops working at once' })
  @Optional()
  @IsIn(['test', 'production', 'both'])
  url?: 'test' | 'production' | 'both';
}

// Response shapes, for the OpenAPI document only (see docs/http-api.md).

export class IncomingWebhookDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Stores samples and dry-runs the mapping; writes nothing' }) testUrl!: string;
  @ApiProperty({ description: 'Runs the mapping' }) productionUrl!: string;
  @ApiProperty({ enum: INCOMING_ACTIONS, nullable: true, description: 'null until a mapping is saved' }) action!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, nullable: true, description: 'target field → path' }) mapping!: Record<string, string> | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class IncomingWebhookPageDto {
  @ApiProperty({ type: [IncomingWebhookDto] }) items!: IncomingWebhookDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class SamplePathDto {
  @ApiProperty({ example: 'order.amount' }) path!: string;
  @ApiProperty({ enum: ['string', 'number', 'boolean', 'null', 'object', 'array'] }) type!: string;
  @ApiProperty({
    description: 'A value seen at this path (any JSON)',
    anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'null' }, { type: 'object' }, { type: 'array' }],
  })
  example!: unknown;
}

export class SampleReceivedDto {
  @ApiProperty() receivedAt!: string;
}

export class TargetFieldDto {
  @ApiProperty() name!: string;
  @ApiProperty() required!: boolean;
  @ApiProperty() description!: string;
}

export class IncomingWebhookDetailDto extends IncomingWebhookDto {
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The latest sample' }) sample!: Record<string, unknown> | null;
  @ApiProperty({ type: [SampleReceivedDto], description: 'The kept samples, newest first' }) samples!: SampleReceivedDto[];
  @ApiProperty({ type: [SamplePathDto], description: 'Every path in the kept samples' }) paths!: SamplePathDto[];
  @ApiProperty() pathsTruncated!: boolean;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'array', items: { $ref: '#/components/schemas/TargetFieldDto' } },
    description: "Every action's target fields",
  })
  targets!: Record<string, TargetFieldDto[]>;
}

export class SavedMappingDto extends IncomingWebhookDto {
  @ApiProperty({ type: [String], description: 'What the mapping may get wrong, e.g. create_transaction without transactionKey counts a re-sent payload twice' }) warnings!: string[];
}

export class IncomingRequestDto {
  @ApiProperty() id!: string;
  @ApiProperty() webhookId!: string;
  @ApiProperty() programId!: string;
  @ApiProperty() at!: string;
  @ApiProperty({ enum: ['test', 'production'] }) url!: string;
  @ApiProperty({ enum: ['sampled', 'dry_run', 'created', 'existing', 'refused'] }) outcome!: string;
  @ApiProperty() status!: number;
  @ApiProperty() bytes!: number;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'Ids it created or found (or would have, in a dry run)' }) result!: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The refusal: code, detail and errors' }) error!: Record<string, unknown> | null;
  @ApiProperty() durationMs!: number;
}

export class IncomingRequestPageDto {
  @ApiProperty({ type: [IncomingRequestDto] }) items!: IncomingRequestDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

/** The test URL's answer (200), and the production URL's (201 created, 200 already applied). */
export class IncomingReceivedDto {
  @ApiPropertyOptional({ description: 'Test URL: the sample was stored' }) received?: boolean;
  @ApiPropertyOptional({ description: 'Test URL: always false' }) created?: boolean;
  @ApiPropertyOptional() note?: string;
  @ApiPropertyOptional({ type: [SamplePathDto], description: "Test URL: the sample's paths" }) paths?: SamplePathDto[];
  @ApiPropertyOptional() pathsTruncated?: boolean;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Test URL with a mapping: what the production URL would write' }) dryRun?: Record<string, unknown>;
  @ApiPropertyOptional({ enum: INCOMING_ACTIONS, description: 'Production URL: the action run' }) action?: string;
  @ApiPropertyOptional({ enum: ['created', 'existing'], description: 'Production URL' }) outcome?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Production URL, create_partner: the partner created or found' }) partner?: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Production URL, create_customer and create_transaction: the customer created or found' })
  customer?: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Production URL, create_transaction: the sale recorded or found, with its conversion' })
  transaction?: Record<string, unknown>;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Production URL: global position of the last event written; null when nothing was (a re-send)' })
  position?: string | null;
  @ApiPropertyOptional({ description: "The request's id in the request log" }) requestId?: string;
}
