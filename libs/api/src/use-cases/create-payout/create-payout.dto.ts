import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, MaxLength } from 'class-validator';
import { MAX_PAYOUT_PARTNER_IDS, type AmountInput } from '@partner-ledger/domain';
import { ActorDto } from '../../shared/conversion-responses.dto.js';
import { AMOUNT_SCHEMA, IsAmount, Optional } from '../../shared/http.js';

export class CreatePayoutDto {
  @ApiPropertyOptional({ description: "The program's currency (the default); any other is refused", example: 'USD' })
  @Optional()
  @IsString()
  @MaxLength(3)
  currency?: string;

  @ApiPropertyOptional({ description: 'Cut-off (ISO 8601, default now, never in the future): commission approved after it waits', example: '2026-03-01T00:00:00Z' })
  @Optional()
  @IsString()
  @MaxLength(64)
  upTo?: string;

  @ApiPropertyOptional({ description: 'Only these partners', type: [String] })
  @Optional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PAYOUT_PARTNER_IDS)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  partnerIds?: string[];

  @ApiPropertyOptional({ ...AMOUNT_SCHEMA, description: 'Leave out partners owed less than this', example: '50.00' })
  @Optional()
  @IsAmount()
  minimumAmount?: AmountInput;
}

export class PayoutItemDto {
  @ApiProperty() partnerId!: string;
  @ApiProperty({ example: '42.50', description: 'Net of clawbacks; always positive' }) amount!: string;
  @ApiProperty({ type: [String] }) conversionIds!: string[];
}

export class PayoutDto {
  @ApiProperty({ example: 'po_8f2c1e9a0b7d4c3e2f1a' }) id!: string;
  @ApiProperty({ enum: ['DRAFT', 'PAID', 'CANCELLED'] }) status!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ description: 'The cut-off (ISO 8601)' }) upTo!: string;
  @ApiProperty({ type: [PayoutItemDto] }) items!: PayoutItemDto[];
  @ApiProperty({ example: '42.50' }) total!: string;
  @ApiProperty({ nullable: true, type: String, description: 'What the confirmation named, e.g. the provider batch id' }) reference!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: ActorDto, description: 'Who created it' }) createdBy!: ActorDto;
  @ApiProperty({ type: ActorDto, nullable: true, description: 'Who confirmed it' }) confirmedBy!: ActorDto | null;
  @ApiProperty({ nullable: true, type: String }) paidAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) cancelledAt!: string | null;
  @ApiProperty({ type: ActorDto, nullable: true, description: 'Who cancelled it' }) cancelledBy!: ActorDto | null;
  @ApiPropertyOptional({ description: 'Global position of the last event appended (command answers only)' }) position?: string;
}

export class PayoutPageDto {
  @ApiProperty({ type: [PayoutDto] }) items!: PayoutDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
