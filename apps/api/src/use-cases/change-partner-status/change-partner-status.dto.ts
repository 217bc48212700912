import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PARTNER_STATUSES } from '../../../../../libs/domain/src/index.js';

export class ChangePartnerStatusDto {
  @ApiProperty({ enum: PARTNER_STATUSES })
  @IsIn(PARTNER_STATUSES)
  status!: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
