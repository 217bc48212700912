import type { AmountInput } from '@partner-ledger/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { IsAmount, Optional } from '../../shared/http.js';

export class CreateTransactionDto {
  @ApiProperty({ description: "The customer's key", example: 'cust-42' })
  @IsString()
  @MaxLength(128)
  customerKey!: string;

  @ApiProperty({ description: 'Sale amount in the program currency', example: '149.99' })
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
