import { ATTRIBUTION_ORDER, CONVERSION_FLAGS, type AmountInput } from '@partner-ledger/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { AutoApprovalRuleDto, CommissionLineDto, FlagReasonDto } from '../../shared/conversion-responses.dto.js';
import { AMOUNT_SCHEMA, IsAmount, Optional } from '../../shared/http.js';

export class CreateTransactionDto {
  @ApiProperty({ description: "The customer's key", example: 'cust-42' })
  @IsString()
  @MaxLength(128)
  customerKey!: string;

  @ApiProperty({ ...AMOUNT_SCHEMA, description: 'Sale amount in the program currency', example: '149.99' })
  @IsAmount()
  amount!: AmountInput;

  @ApiPropertyOptional({ description: 'Your order id; makes retries safe. Generated when absent.', example: 'ORD-789' })
  @Optional()
  @IsString()
  @MaxLength(128)
  key?: string;

  @ApiPropertyOptional({ description: "Must equal the program's currency when sent" })
  @Optional()
  @IsString()
  @MaxLength(3)
  currency?: string;

  @ApiPropertyOptional()
  @Optional()
  @IsString()
  @MaxLength(128)
  productId?: string;

  @ApiPropertyOptional({ example: 'monthly' })
  @Optional()
  @IsString()
  @MaxLength(64)
  productType?: string;

  @ApiPropertyOptional({ description: 'Attributes the sale to the partner owning this COUPON trigger' })
  @Optional()
  @IsString()
  @MaxLength(128)
  couponCode?: string;

  @ApiPropertyOptional({ description: 'Attributes the sale to this partner, before any other rule' })
  @Optional()
  @IsString()
  @MaxLength(128)
  partnerKey?: string;
}

export class AttributionDto {
  @ApiProperty({ enum: ATTRIBUTION_ORDER, description: 'The rule that attributed the sale' }) source!: string;
  @ApiProperty() partnerId!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The conversion trigger that matched, for coupon, email and SKU triggers' }) triggerId!: string | null;
}

/** The conversion a sale created, as the transaction answers carry it. */
export class TransactionConversionDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['PENDING', 'APPROVED', 'DENIED'] }) status!: string;
  @ApiProperty() partnerId!: string;
  @ApiProperty({ type: [CommissionLineDto], description: 'Net of refunds so far' }) commissions!: CommissionLineDto[];
  @ApiProperty({ enum: CONVERSION_FLAGS, isArray: true }) flags!: string[];
  @ApiProperty({ type: [FlagReasonDto] }) flagReasons!: FlagReasonDto[];
  @ApiPropertyOptional({ type: AutoApprovalRuleDto }) approval?: AutoApprovalRuleDto;
}

/** A recorded sale (its creation's and its refunds' answer). */
export class TransactionDto {
  @ApiProperty() key!: string;
  @ApiProperty({ example: '149.99' }) amount!: string;
  @ApiProperty({ example: '0.00', description: 'Refunded so far' }) refunded!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty({ type: String, nullable: true }) productId!: string | null;
  @ApiProperty({ type: String, nullable: true }) productType!: string | null;
  @ApiProperty({ type: String, nullable: true }) couponCode!: string | null;
  @ApiProperty({ type: AttributionDto, nullable: true, description: 'null when no partner was attributed' }) attribution!: AttributionDto | null;
  @ApiProperty({ enum: ['partner_not_active', 'commission_duration_ended'], nullable: true, description: 'Why a partner was attributed but no conversion created' })
  unattributedReason!: string | null;
  @ApiProperty({ type: TransactionConversionDto, nullable: true }) conversion!: TransactionConversionDto | null;
  @ApiProperty({ example: '12', description: 'Global position of the last event written (or of the stream on a replay)' }) position!: string;
}
