import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength } from 'class-validator';
import { TRIGGER_TYPES } from '@partner-ledger/domain';

export class CreateConversionTriggerDto {
  @ApiProperty()
  @IsString()
  @MaxLength(128)
  partnerId!: string;

  @ApiProperty({ enum: TRIGGER_TYPES })
  @IsIn(TRIGGER_TYPES)
  type!: string;

  @ApiProperty({ description: 'Coupon code, customer email or product SKU', example: 'ADA10' })
  @IsString()
  @MaxLength(128)
  trigger!: string;
}

export class ConversionTriggerDto {
  @ApiProperty() id!: string;
  @ApiProperty() partnerId!: string;
  @ApiProperty({ enum: TRIGGER_TYPES }) type!: string;
  @ApiProperty() trigger!: string;
  @ApiProperty({ example: '12' }) position!: string;
}
