import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength } from 'class-validator';
import { Optional } from '../../shared/http.js';
import { PARTNER_STATUSES } from '@partner-ledger/domain';

export class ChangePartnerStatusDto {
  @ApiProperty({ enum: PARTNER_STATUSES })
  @IsIn(PARTNER_STATUSES)
  status!: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @Optional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
