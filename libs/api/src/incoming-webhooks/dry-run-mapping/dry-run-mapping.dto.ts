import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { SAMPLES_KEPT } from '@partner-ledger/webhook-runtime';
import { Optional } from '../../shared/http.js';
import { IncomingResultDto, SaveMappingDto } from '../incoming-webhook.dto.js';

/** The mapping as it would be saved, and which kept sample to run it on. */
export class DryRunMappingDto extends SaveMappingDto {
  @ApiPropertyOptional({ minimum: 0, maximum: SAMPLES_KEPT - 1, default: 0, description: 'Which kept sample to run the mapping on: 0 is the newest' })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(SAMPLES_KEPT - 1)
  sample?: number;
}

export class DryRunEventDto {
  @ApiProperty({ example: 'transaction-prg_1.ORD-789' })
  stream!: string;

  @ApiProperty({ example: 'TransactionRecorded' })
  type!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The event as it would be appended (credentials left out)' })
  data!: Record<string, unknown>;
}

export class DryRunOutcomeDto {
  @ApiProperty({ description: 'Whether the production URL would accept this payload' })
  wouldSucceed!: boolean;

  @ApiProperty({ example: 201, description: 'The status the production URL would answer: 201 created, 200 already applied, or the refusal' })
  status!: number;

  @ApiPropertyOptional({ type: IncomingResultDto, description: 'What the production URL would answer: what it would find or create (on success)' })
  result?: IncomingResultDto;

  @ApiPropertyOptional({ allOf: [{ $ref: '#/components/schemas/Problem' }], description: 'The problem+json the production URL would answer (on a refusal)' })
  error?: Record<string, unknown>;

  @ApiProperty({ type: [DryRunEventDto], description: 'The events the production URL would append, in order; none on a refusal' })
  events!: DryRunEventDto[];
}

export class DryRunSampleDto {
  @ApiProperty({ example: 0 })
  index!: number;

  @ApiProperty({ example: '2026-01-05T10:00:00.000Z' })
  receivedAt!: string;
}

export class MappingDryRunDto {
  @ApiProperty({ example: 'create_transaction' })
  action!: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { amount: 'order.amount', customerEmail: 'customer.email' } })
  mapping!: Record<string, string>;

  @ApiProperty({ type: DryRunSampleDto, description: 'The kept sample the mapping ran on' })
  sample!: DryRunSampleDto;

  @ApiProperty({ type: [String], description: 'What the mapping may still get wrong (e.g. no transactionKey bound)' })
  warnings!: string[];

  @ApiProperty({ type: DryRunOutcomeDto })
  dryRun!: DryRunOutcomeDto;
}
