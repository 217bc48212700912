import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { Optional } from './http.js';

/** The optional reason every decision on a conversion may give; recorded on its event. */
export class DecisionReasonDto {
  @ApiPropertyOptional({ maxLength: 500, description: 'Why; recorded on the event and shown in the conversion history' })
  @Optional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
