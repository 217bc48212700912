import { ApiProperty } from '@nestjs/swagger';

export class SeriesBucketDto {
  @ApiProperty({ description: 'Conversions', example: 3 }) count!: number;
  @ApiProperty({ description: 'Commission of every level, in the currency', example: '45.00' }) amount!: string;
}

export class SeriesDayDto {
  @ApiProperty({ example: '2026-03-01', description: 'UTC day' }) day!: string;
  @ApiProperty({ type: SeriesBucketDto, description: 'Conversions created that day and their commission' }) earned!: SeriesBucketDto;
  @ApiProperty({ type: SeriesBucketDto, description: 'Conversions approved that day (by a person or the engine)' }) approved!: SeriesBucketDto;
  @ApiProperty({ type: SeriesBucketDto, description: 'Commission refunds took back that day' }) reversed!: SeriesBucketDto;
}

export class CommissionSeriesDto {
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ example: '2026-02-01' }) from!: string;
  @ApiProperty({ example: '2026-03-02', description: 'Inclusive' }) to!: string;
  @ApiProperty({ type: [SeriesDayDto], description: 'Every day of the range, oldest first; a day with nothing has zeros' }) items!: SeriesDayDto[];
}
