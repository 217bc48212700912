import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsString, MaxLength } from 'class-validator';
import { Optional } from '../../shared/http.js';

export class UpdatePartnerDetailsDto {
  @ApiPropertyOptional()
  @Optional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ description: 'Must stay unique within the program' })
  @Optional()
  @IsString()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ description: 'Merged into the current details; a field set to null is cleared' })
  @Optional()
  @IsObject()
  details?: Record<string, unknown>;
}
