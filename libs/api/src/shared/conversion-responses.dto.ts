import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ACTOR_TYPES, CONVERSION_FLAGS } from '@partner-ledger/domain';

// Response shapes of the conversion routes, for the OpenAPI document only (see docs/http-api.md).

export class ActorDto {
  @ApiProperty({ enum: ACTOR_TYPES, description: 'ADMIN: the admin key; PROGRAM_KEY: the program key; INCOMING_WEBHOOK: an incoming webhook; ENGINE: an engine rule' })
  type!: string;
  @ApiPropertyOptional({ description: 'PROGRAM_KEY: the program id; INCOMING_WEBHOOK: the incoming webhook id' })
  id?: string;
  @ApiPropertyOptional({ description: 'ENGINE: the rule that decided' })
  rule?: string;
}

export class AutoApprovalRuleDto {
  @ApiProperty({ enum: ['AUTO_AFTER_HOLD'] })
  mode!: string;
  @ApiProperty({ description: "The program's hold when the sale was recorded" })
  holdDays!: number;
  @ApiProperty({ description: 'ISO 8601: from when the engine approves it (the sale plus holdDays), unless it is decided, fully refunded or flagged first' })
  holdUntil!: string;
}

export class FlagReasonDto {
  @ApiProperty({ enum: CONVERSION_FLAGS })
  flag!: string;
  @ApiProperty({ enum: ['customer_is_partner', 'customer_is_upline', 'customer_is_downline'] })
  reason!: string;
  @ApiProperty({ description: 'The partner the reason is about' })
  partnerId!: string;
}

export class CommissionLineDto {
  @ApiProperty()
  partnerId!: string;
  @ApiProperty({ description: '1 is the attributed partner; N pays its (N-1)-th referrer' })
  level!: number;
  @ApiProperty({ example: '15.00' })
  amount!: string;
}

export class DecidedConversionDto {
  @ApiProperty({ example: 'cv_T1JELTc4OQ' })
  id!: string;
  @ApiProperty({ enum: ['PENDING', 'APPROVED', 'DENIED'] })
  status!: string;
  @ApiProperty()
  transactionKey!: string;
  @ApiProperty()
  partnerId!: string;
  @ApiProperty({ example: '149.99' })
  amount!: string;
  @ApiProperty({ example: 'USD' })
  currency!: string;
  @ApiProperty({ type: [CommissionLineDto], description: 'Net of refunds so far' })
  commissions!: CommissionLineDto[];
  @ApiProperty({ enum: CONVERSION_FLAGS, isArray: true, description: 'Raised when the sale was recorded; a flagged conversion waits for a person' })
  flags!: string[];
  @ApiProperty({ type: [FlagReasonDto] })
  flagReasons!: FlagReasonDto[];
  @ApiPropertyOptional({ type: AutoApprovalRuleDto, description: 'Only for a sale of a program in AUTO_AFTER_HOLD mode: the rule it was sold under, and when it falls due' })
  approval?: AutoApprovalRuleDto;
  @ApiProperty({ example: '12', description: 'Global position of the last event written (or of the stream when nothing was)' })
  position!: string;
}

export class ConversionHistoryEntryDto {
  @ApiProperty({ enum: ['CREATED', 'APPROVED', 'DENIED', 'REOPENED', 'REFUNDED'] })
  type!: string;
  @ApiProperty({ enum: ['PENDING', 'APPROVED', 'DENIED'], description: "The conversion's status after this entry" })
  status!: string;
  @ApiProperty({ description: 'ISO 8601: when the event was recorded' })
  at!: string;
  @ApiProperty({ example: '12', description: 'Global position of the event' })
  position!: string;
  @ApiProperty({ description: "Revision of the event in the transaction's stream" })
  revision!: number;
  @ApiProperty({ type: ActorDto, nullable: true, description: 'Who decided; null for events recorded before actors were' })
  actor!: ActorDto | null;
  @ApiProperty({ type: String, nullable: true })
  reason!: string | null;
  @ApiPropertyOptional({ type: [CommissionLineDto], description: 'CREATED: the lines; APPROVED/DENIED/REOPENED: the lines moved, net of refunds' })
  commissions?: CommissionLineDto[];
  @ApiPropertyOptional({ type: [CommissionLineDto], description: 'REFUNDED: commission taken back; REOPENED: what refunds made while denied take back' })
  reversals?: CommissionLineDto[];
  @ApiPropertyOptional({ enum: CONVERSION_FLAGS, isArray: true, description: 'CREATED only' })
  flags?: string[];
  @ApiPropertyOptional({ type: [FlagReasonDto], description: 'CREATED only' })
  flagReasons?: FlagReasonDto[];
  @ApiPropertyOptional({ type: AutoApprovalRuleDto, description: 'CREATED: the AUTO_AFTER_HOLD rule it was sold under; APPROVED: present when the engine approved it by that rule' })
  approval?: AutoApprovalRuleDto;
  @ApiPropertyOptional({ description: 'REFUNDED only' })
  refundId?: string;
  @ApiPropertyOptional({ example: '25.00', description: 'REFUNDED only: the amount refunded' })
  amount?: string;
  @ApiPropertyOptional({ description: 'REFUNDED only' })
  fullyRefunded?: boolean;
}

export class ConversionHistoryDto {
  @ApiProperty()
  conversionId!: string;
  @ApiProperty()
  transactionKey!: string;
  @ApiProperty({ type: [ConversionHistoryEntryDto], description: 'Oldest first' })
  items!: ConversionHistoryEntryDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last' })
  nextCursor!: string | null;
}
