import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { Optional } from '../../shared/http.js';

export class ConfirmPayoutDto {
  @ApiPropertyOptional({ description: 'What the payment is known by at the provider (e.g. its batch id)', example: 'PAYPAL-BATCH-7781' })
  @Optional()
  @IsString()
  @MaxLength(200)
  reference?: string;
}
