import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsString, MaxLength, MinLength } from 'class-validator';
import { PARTNER_STATUSES } from '@partner-ledger/domain';
import { INCOMING_ACTIONS } from '@partner-ledger/webhooks';
import { Optional } from '../shared/http.js';
import { TransactionConversionDto } from '../use-cases/create-transaction/create-transaction.dto.js';

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

/** What an action found or created: the production URL's answer, a dry run's `result`, a request log entry's. */
export class IncomingPartnerResultDto {
  @ApiProperty() id!: string;
  @ApiProperty() key!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: PARTNER_STATUSES }) status!: string;
}

export class IncomingCustomerResultDto {
  @ApiProperty() id!: string;
  @ApiProperty() key!: string;
  @ApiPropertyOptional({ description: 'create_customer' }) email?: string;
  @ApiPropertyOptional({ description: 'create_customer' }) name?: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'create_customer: the partner who referred them' }) partnerId?: string | null;
  @ApiPropertyOptional({ description: 'create_transaction: whether the sale created the customer' }) created?: boolean;
}

export class IncomingTransactionResultDto {
  @ApiProperty({ example: 'ORD-789' }) key!: string;
  @ApiProperty({ example: '149.99' }) amount!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ description: 'false: the key was already recorded (a re-send)' }) created!: boolean;
  @ApiProperty({ type: TransactionConversionDto, nullable: true }) conversion!: TransactionConversionDto | null;
}

/** By action: create_partner a `partner`, create_customer a `customer`, create_transaction a `customer` and a `transaction`. */
export class IncomingResultDto {
  @ApiPropertyOptional({ type: IncomingPartnerResultDto }) partner?: IncomingPartnerResultDto;
  @ApiPropertyOptional({ type: IncomingCustomerResultDto }) customer?: IncomingCustomerResultDto;
  @ApiPropertyOptional({ type: IncomingTransactionResultDto }) transaction?: IncomingTransactionResultDto;
}

/** A refusal as the request log keeps it. */
export class IncomingRefusalDto {
  @ApiProperty({ example: 'customer_not_found' }) code!: string;
  @ApiProperty() detail!: string;
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true }, description: "The problem's `errors`" }) errors?: Record<string, unknown>[];
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
  @ApiProperty({
    anyOf: [{ $ref: '#/components/schemas/IncomingResultDto' }, { $ref: '#/components/schemas/DryRunOutcomeDto' }, { type: 'null' }],
    description: 'What it created or found; a `dry_run` request: the dry run (DryRunOutcomeDto); null for a sample or a refusal',
  })
  result!: IncomingResultDto | Record<string, unknown> | null;
  @ApiProperty({ type: IncomingRefusalDto, nullable: true, description: 'The refusal, for a `refused` request' }) error!: IncomingRefusalDto | null;
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
  @ApiPropertyOptional({ type: IncomingPartnerResultDto, description: 'Production URL, create_partner: the partner created or found' }) partner?: IncomingPartnerResultDto;
  @ApiPropertyOptional({ type: IncomingCustomerResultDto, description: 'Production URL, create_customer and create_transaction: the customer created or found' })
  customer?: IncomingCustomerResultDto;
  @ApiPropertyOptional({ type: IncomingTransactionResultDto, description: 'Production URL, create_transaction: the sale recorded or found, with its conversion' })
  transaction?: IncomingTransactionResultDto;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Production URL: global position of the last event written; null when nothing was (a re-send)' })
  position?: string | null;
  @ApiPropertyOptional({ description: "The request's id in the request log" }) requestId?: string;
}
