import { ApiProperty } from '@nestjs/swagger';

// One line of the event feed (application/x-ndjson), for the OpenAPI document only.

export class FeedEventDto {
  @ApiProperty({ example: '12', description: 'Global position' }) position!: string;
  @ApiProperty() stream!: string;
  @ApiProperty({ example: '0', description: 'Revision in its stream' }) revision!: string;
  @ApiProperty() type!: string;
  @ApiProperty({ description: 'ISO 8601' }) created!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata!: Record<string, unknown>;
}
