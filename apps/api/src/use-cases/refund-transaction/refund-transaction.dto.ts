import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsAmount } from '../../shared/http.js';

export class RefundTransactionDto {
  @ApiPropertyOptional({ description: 'Partial refund amount; omit to refund everything left', example: '50.00' })
  @IsOptional()
  @IsAmount()
  amount?: string | number;
}
