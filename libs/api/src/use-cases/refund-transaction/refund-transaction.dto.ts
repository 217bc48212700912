import type { AmountInput } from '@partner-ledger/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CommissionLineDto } from '../../shared/conversion-responses.dto.js';
import { TransactionDto } from '../create-transaction/create-transaction.dto.js';
import { DecisionReasonDto } from '../../shared/decision-reason.dto.js';
import { AMOUNT_SCHEMA, IsAmount, Optional } from '../../shared/http.js';

/** The refund amount and, like every decision on a conversion, an optional reason. */
export class RefundTransactionDto extends DecisionReasonDto {
  @ApiPropertyOptional({ ...AMOUNT_SCHEMA, description: 'Partial refund amount; omit to refund everything left', example: '50.00' })
  @Optional()
  @IsAmount()
  amount?: AmountInput;
}

export class RefundDto {
  @ApiProperty() id!: string;
  @ApiProperty({ example: '50.00' }) amount!: string;
  @ApiProperty({ type: [CommissionLineDto], description: 'Commission taken back by this refund' }) reversals!: CommissionLineDto[];
}

export class RefundedTransactionDto extends TransactionDto {
  @ApiProperty({ type: RefundDto }) refund!: RefundDto;
}
