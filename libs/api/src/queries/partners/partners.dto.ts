import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { PartnerDto } from '../../use-cases/create-partner/create-partner.dto.js';
import { CommissionTotalsDto } from '../commission-totals/commission-totals.dto.js';

// Response shapes of the partner reads, for the OpenAPI document only (see docs/http-api.md).

/** A partner as the read model has it: the command's shape and its counters. */
export class PartnerReadDto extends PartnerDto {
  @ApiProperty({ description: 'Partners it referred' }) referralCount!: number;
  @ApiProperty() customerCount!: number;
  @ApiProperty() conversionCount!: number;
  @ApiProperty({ type: String, nullable: true }) lastConversionAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class PartnerPageDto {
  @ApiProperty({ type: [PartnerReadDto] }) items!: PartnerReadDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class PartnerWithTotalsDto extends OmitType(PartnerReadDto, ['position']) {
  @ApiPropertyOptional({ type: String, nullable: true, description: 'With `asOf`: the position of the last event at or before that time (null when none)' })
  position?: string | null;
  @ApiProperty({ type: [CommissionTotalsDto], description: 'One entry per currency' }) commissionTotals!: CommissionTotalsDto[];
  @ApiPropertyOptional({ description: 'The `asOf` asked (ISO 8601), when one was' }) asOf?: string;
}
