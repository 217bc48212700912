import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsAmount, Optional } from '../../shared/http.js';

export class RefundTransactionDto {
  @ApiPropertyOptional({ description: 'Partial refund amount; omit to refund everything left', example: '50.00' })
  @Optional()
  @IsAmount()
  amount?: string | number;
}
