import { ApiProperty } from '@nestjs/swagger';

// Response shape of the projection status, for the OpenAPI document only (see docs/http-api.md).

export class ProjectionLagDto {
  @ApiProperty() projection!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Position of the last event applied' }) position!: string | null;
  @ApiProperty() eventsBehind!: number;
  @ApiProperty() secondsBehind!: number;
}

export class ProjectionFailureDto {
  @ApiProperty() projection!: string;
  @ApiProperty() error!: string;
}

export class ProjectionStatusDto {
  @ApiProperty({ description: 'The read models answering queries' }) namespace!: string;
  @ApiProperty({ type: [ProjectionLagDto] }) items!: ProjectionLagDto[];
  @ApiProperty({ type: [ProjectionFailureDto] }) failures!: ProjectionFailureDto[];
}
