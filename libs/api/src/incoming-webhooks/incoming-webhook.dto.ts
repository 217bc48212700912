import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsString, MaxLength, MinLength } from 'class-validator';
import { INCOMING_ACTIONS } from '@partner-ledger/webhooks';
import { Optional } from '../shared/http.js';

export class CreateIncomingWebhookDto {
  @ApiProperty({ example: 'Shop orders' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;
}

export class UpdateIncomingWebhookDto {
  @ApiPropertyOptional({ example: 'Shop orders (v2)' })
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;
}

export class SaveMappingDto {
  @ApiProperty({ enum: INCOMING_ACTIONS, example: 'create_transaction' })
  @IsIn(INCOMING_ACTIONS)
  action!: string;

  @ApiProperty({
    description: 'target field → path into the sample JSON (dot paths, [n] for arrays, ["a.b"] for odd keys)',
    example: { customerEmail: 'customer.email', customerName: 'customer.name', transactionKey: 'order.id', amount: 'order.amount', productId: 'order.product', partnerKey: 'referral_code' },
  })
  @IsObject()
  fields!: Record<string, string>;
}

export class RotateTokensDto {
  @ApiPropertyOptional({ enum: ['test', 'production', 'both'], default: 'both', description: 'Which URL gets a new token; the old one stops working at once' })
  @Optional()
  @IsIn(['test', 'production', 'both'])
  url?: 'test' | 'production' | 'both';
}
