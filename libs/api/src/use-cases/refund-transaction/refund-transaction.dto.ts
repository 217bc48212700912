import type { AmountInput } from '@partner-ledger/domain';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { DecisionReasonDto } from '../../shared/decision-reason.dto.js';
import { IsAmount, Optional } from '../../shared/http.js';

/** The refund amount and, like every decision on a conversion, an optional reason. */
export class RefundTransactionDto extends DecisionReasonDto {
  @ApiPropertyOptional({ description: 'Partial refund amount; omit to refund everything left', example: '50.00' })
  @Optional()
  @IsAmount()
  amount?: AmountInput;
}
