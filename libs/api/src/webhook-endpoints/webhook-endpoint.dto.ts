import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { Optional } from '../shared/http.js';

export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://hooks.example.com/partner-ledger' })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiProperty({ example: ['NEW_CONVERSION', 'APPROVED_CONVERSION'], description: 'Topics, or ["ALL"]' })
  @IsArray()
  topics!: string[];

  @ApiPropertyOptional({ maxLength: 500 })
  @Optional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional()
  @Optional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ description: 'Topics, or ["ALL"]' })
  @Optional()
  @IsArray()
  topics?: string[];

  @ApiPropertyOptional({ description: 'Re-enabling clears the reason it was disabled' })
  @Optional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ maxLength: 500 })
  @Optional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class RotateSecretDto {
  @ApiPropertyOptional({ description: 'How long the old secret keeps signing beside the new one (seconds, default 86400, max 7 days)', default: 86400 })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(7 * 86400)
  overlapSeconds?: number;
}
