import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

// Response shape of the program list, for the OpenAPI document only (see docs/http-api.md).

export class ProgramSummaryDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiPropertyOptional({ description: 'ISO 8601 (admin key only)' }) createdAt?: string;
}

export class ProgramPageDto {
  @ApiProperty({ type: [ProgramSummaryDto] }) items!: ProgramSummaryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
