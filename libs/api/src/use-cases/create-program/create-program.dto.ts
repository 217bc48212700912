import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsDefined, IsIn, IsInt, IsString, MaxLength, ValidateNested } from 'class-validator';
import { COMMISSION_TYPES } from '@partner-ledger/domain';
import { IsAmount, Optional } from '../../shared/http.js';

export class CommissionDto {
  @ApiProperty({ enum: COMMISSION_TYPES })
  @IsIn(COMMISSION_TYPES)
  type!: string;

  @ApiProperty({ description: 'Percent for PERCENT_OF_SALE ("10"), money for FLAT_RATE ("5.00")', example: '10' })
  @IsAmount()
  amount!: string | number;
}

export class TierDto {
  @ApiProperty({ minimum: 2, maximum: 10, description: 'Level 2 pays the referrer of the attributed partner, 3 the next one up…' })
  @IsInt()
  level!: number;

  @ApiProperty({ example: '5' })
  @IsAmount()
  amount!: string | number;
}

export class CreateProgramDto {
  @ApiProperty({ example: 'Acme partners', maxLength: 200 })
  @IsString()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 'USD', description: 'ISO 4217 code' })
  @IsString()
  @MaxLength(3)
  currency!: string;

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
}
