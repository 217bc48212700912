import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsString, MaxLength } from 'class-validator';
import { Optional } from '../../shared/http.js';
import { PARTNER_STATUSES } from '@partner-ledger/domain';

export class CreatePartnerDto {
  @ApiProperty({ example: 'ada@example.com' })
  @IsString()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  @IsString()
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ description: 'Your own partner id; generated when absent', example: 'ada-01' })
  @Optional()
  @IsString()
  @MaxLength(128)
  id?: string;

  @ApiPropertyOptional({ description: 'Referral key; generated when absent', example: 'ADA10' })
  @Optional()
  @IsString()
  @MaxLength(128)
  key?: string;

  @ApiPropertyOptional({ description: 'Key of the partner who referred this one (multi-tier)' })
  @Optional()
  @IsString()
  @MaxLength(128)
  referringPartnerKey?: string;

  @ApiPropertyOptional({ enum: PARTNER_STATUSES, default: 'ACTIVE' })
  @Optional()
  @IsIn(PARTNER_STATUSES)
  status?: string;

  @ApiPropertyOptional({ description: 'firstName, lastName, company, address1, address2, city, state, zip, country, phone, paypalEmail, customFields[{name, value}]' })
  @Optional()
  @IsObject()
  details?: Record<string, unknown>;
}

/** A partner as a command answers it (create, status change, details change). */
export class PartnerDto {
  @ApiProperty({ example: 'ptn_3c1f0a9e8d7b6a5f4e3d' }) id!: string;
  @ApiProperty() key!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: PARTNER_STATUSES }) status!: string;
  @ApiProperty({ type: String, nullable: true }) referringPartnerId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The partner details (see the request)' }) details!: Record<string, unknown>;
  @ApiPropertyOptional({ example: '12', description: 'Global position of the last event written (command answers only)' }) position?: string;
}
