import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CONVERSION_FLAGS } from '@partner-ledger/domain';
import { AutoApprovalRuleDto, CommissionLineDto, FlagReasonDto } from '../../shared/conversion-responses.dto.js';

// Response shapes of the conversion list, for the OpenAPI document only (see docs/http-api.md).

export class ConversionCommissionDto extends CommissionLineDto {
  @ApiProperty({ example: '0.00', description: 'Taken back by refunds (amount is net of it)' }) reversed!: string;
}

export class ConversionCustomerDto {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'cus_42' }) key!: string;
  @ApiProperty({ example: 'jane@example.com' }) email!: string;
  @ApiProperty({ example: 'Jane Smith' }) name!: string;
}

export class ConversionReadDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['PENDING', 'APPROVED', 'DENIED'] }) status!: string;
  @ApiProperty() transactionKey!: string;
  @ApiProperty() partnerId!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty({ type: ConversionCustomerDto, nullable: true, description: 'The customer as the customers read model has it now; null when it does not have them (yet)' })
  customer!: ConversionCustomerDto | null;
  @ApiProperty({ example: '149.99' }) amount!: string;
  @ApiProperty({ example: '0.00' }) refunded!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ type: [ConversionCommissionDto] }) commissions!: ConversionCommissionDto[];
  @ApiPropertyOptional({ description: 'The reason of the last decision, when it had one' }) reason?: string;
  @ApiProperty({ enum: CONVERSION_FLAGS, isArray: true }) flags!: string[];
  @ApiProperty({ type: [FlagReasonDto] }) flagReasons!: FlagReasonDto[];
  @ApiPropertyOptional({ type: AutoApprovalRuleDto }) approval?: AutoApprovalRuleDto;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class ConversionPageDto {
  @ApiProperty({ type: [ConversionReadDto] }) items!: ConversionReadDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
