import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PortalTotalsDto } from '../../portal/portal.dto.js';

// Response shapes of the totals reads, for the OpenAPI document only (see docs/http-api.md). The
// buckets are the ones the partner portal shows, so the shape is that one, with the partner named.

export class CommissionTotalsDto extends PortalTotalsDto {
  @ApiPropertyOptional({ description: "The partner these are (absent in a program's sum)" }) partnerId?: string;
}

export class CommissionTotalsListDto {
  @ApiProperty({ type: [CommissionTotalsDto], description: 'One entry per currency' }) items!: CommissionTotalsDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Always null: one page' }) nextCursor!: null;
}

export class ProgramCommissionTotalsDto {
  @ApiProperty({ type: CommissionTotalsDto, description: 'Every partner summed' }) program!: CommissionTotalsDto;
  @ApiProperty({ type: [CommissionTotalsDto], description: 'Partners by approved amount, descending' }) items!: CommissionTotalsDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
