import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsString } from 'class-validator';
import { Optional } from '../shared/http.js';

export class ReplayDto {
  @ApiPropertyOptional({ description: 'ISO 8601: events created at or after' })
  @Optional()
  @IsString()
  from?: string;

  @ApiPropertyOptional({ description: 'ISO 8601: events created before' })
  @Optional()
  @IsString()
  to?: string;

  @ApiPropertyOptional({ description: "A subset of the endpoint's topics; default all of them" })
  @Optional()
  @IsArray()
  topics?: string[];
}

// Response shapes, for the OpenAPI document only: the controller answers ReplayJob records.

export class ReplayProgressDto {
  @ApiProperty({ description: "Events of the program read so far (the replay reads only this program's streams)" })
  eventsScanned!: number;

  @ApiProperty({ type: String, nullable: true, description: 'Position of the last event whose messages are queued; a resumed job goes on after it' })
  lastPosition!: string | null;

  @ApiProperty({ type: String, nullable: true, description: "The program's newest event when the job started: the replay ends there" })
  headPosition!: string | null;

  @ApiProperty({ description: 'Webhook messages queued for the endpoint so far' })
  messagesQueued!: number;
}

export class ReplayJobDto {
  @ApiProperty({ example: 'rpj_3f2a9c0d1e4b5a6c7d8e' })
  id!: string;

  @ApiProperty({ enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'], description: 'A job a shutdown interrupted is queued again and resumes at the next start' })
  status!: string;

  @ApiProperty()
  endpointId!: string;

  @ApiProperty({ type: String, nullable: true, description: 'ISO 8601: events created at or after' })
  from!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'ISO 8601: events created before' })
  to!: string | null;

  @ApiProperty({ type: [String], description: 'Topics sent, or ["ALL"]' })
  topics!: string[];

  @ApiProperty({ type: ReplayProgressDto })
  progress!: ReplayProgressDto;

  @ApiProperty()
  createdAt!: string;

  @ApiProperty({ type: String, nullable: true })
  startedAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  finishedAt!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why a failed job failed' })
  error!: string | null;
}

export class ReplayJobPageDto {
  @ApiProperty({ type: [ReplayJobDto], description: 'Newest first' })
  items!: ReplayJobDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last' })
  nextCursor!: string | null;
}
