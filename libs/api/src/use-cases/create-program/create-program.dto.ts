import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsDefined, IsIn, IsInt, IsString, MaxLength, ValidateNested } from 'class-validator';
import { APPROVAL_MODES, COMMISSION_TYPES, DURATION_TYPES, MAX_HOLD_DAYS, MAX_PRODUCT_RATES, type AmountInput } from '@partner-ledger/domain';
import { AMOUNT_SCHEMA, IsAmount, Optional } from '../../shared/http.js';

export class DurationDto {
  @ApiProperty({ enum: DURATION_TYPES, description: "Counted from the customer's first attributed purchase. Default LIFETIME." })
  @IsIn(DURATION_TYPES)
  type!: string;

  @ApiPropertyOptional({ minimum: 1, description: 'Months (MONTHS, at most 120) or purchases (PAYMENTS, at most 1000); only for those two' })
  @Optional()
  @IsInt()
  count?: number;
}

export class CommissionDto {
  @ApiProperty({ enum: COMMISSION_TYPES })
  @IsIn(COMMISSION_TYPES)
  type!: string;

  @ApiProperty({ ...AMOUNT_SCHEMA, description: 'Percent for PERCENT_OF_SALE ("10"), money for FLAT_RATE ("5.00")', example: '10' })
  @IsAmount()
  amount!: AmountInput;

  @ApiPropertyOptional({ type: DurationDto })
  @Optional()
  @ValidateNested()
  @Type(() => DurationDto)
  duration?: DurationDto;
}

export class ProductRateDto {
  @ApiProperty({ example: 'sku-pro', maxLength: 128 })
  @IsString()
  @MaxLength(128)
  productId!: string;

  @ApiProperty({ enum: COMMISSION_TYPES })
  @IsIn(COMMISSION_TYPES)
  type!: string;

  @ApiProperty({ ...AMOUNT_SCHEMA, description: 'Percent (at most 100) for PERCENT_OF_SALE, money for FLAT_RATE', example: '20' })
  @IsAmount()
  amount!: AmountInput;
}

export class ApprovalDto {
  @ApiProperty({ enum: APPROVAL_MODES, description: 'MANUAL (default) or approved by the engine once holdDays have passed' })
  @IsIn(APPROVAL_MODES)
  mode!: string;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_HOLD_DAYS, description: 'Required for AUTO_AFTER_HOLD; 0 = as soon as the rules allow' })
  @Optional()
  @IsInt()
  holdDays?: number;
}

export class TierDto {
  @ApiProperty({ minimum: 2, maximum: 10, description: 'Level 2 pays the referrer of the attributed partner, 3 the next one up…' })
  @IsInt()
  level!: number;

  @ApiProperty({ ...AMOUNT_SCHEMA, example: '5' })
  @IsAmount()
  amount!: AmountInput;
}

/** A commission plan as a program is created with it and a plan change sends it. */
export class CommissionPlanDto {
  @ApiProperty({ type: CommissionDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => CommissionDto)
  commission!: CommissionDto;

  @ApiPropertyOptional({ type: [TierDto] })
  @Optional()
  @IsArray()
  @ArrayMaxSize(9)
  @ValidateNested({ each: true })
  @Type(() => TierDto)
  tiers?: TierDto[];

  @ApiPropertyOptional({ type: [ProductRateDto], description: "Level-1 rates of single products, replacing the program's commission on their sales" })
  @Optional()
  @IsArray()
  @ArrayMaxSize(MAX_PRODUCT_RATES)
  @ValidateNested({ each: true })
  @Type(() => ProductRateDto)
  productRates?: ProductRateDto[];

  @ApiPropertyOptional({ type: ApprovalDto })
  @Optional()
  @ValidateNested()
  @Type(() => ApprovalDto)
  approval?: ApprovalDto;
}

export class CreateProgramDto extends CommissionPlanDto {
  @ApiProperty({ example: 'Acme partners', maxLength: 200 })
  @IsString()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 'USD', description: 'ISO 4217 code' })
  @IsString()
  @MaxLength(3)
  currency!: string;
}
