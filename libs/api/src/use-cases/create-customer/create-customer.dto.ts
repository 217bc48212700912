import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsString, MaxLength, ValidateNested } from 'class-validator';
import { Optional } from '../../shared/http.js';

/** Exactly one of key, id or email. */
export class EntityRefDto {
  @ApiPropertyOptional()
  @Optional()
  @IsString()
  @MaxLength(128)
  key?: string;

  @ApiPropertyOptional()
  @Optional()
  @IsString()
  @MaxLength(128)
  id?: string;

  @ApiPropertyOptional()
  @Optional()
  @IsString()
  @MaxLength(254)
  email?: string;
}

export class CreateCustomerDto {
  @ApiProperty({ example: 'jane@example.com' })
  @IsString()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'Jane Smith' })
  @IsString()
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ description: 'Your customer id; generated when absent', example: 'cust-42' })
  @Optional()
  @IsString()
  @MaxLength(128)
  key?: string;

  @ApiPropertyOptional({ type: EntityRefDto, description: 'The partner who referred this customer' })
  @Optional()
  @ValidateNested()
  @Type(() => EntityRefDto)
  partner?: EntityRefDto;

  @ApiPropertyOptional({ type: EntityRefDto, description: 'Refer-a-friend: the customer who referred this one' })
  @Optional()
  @ValidateNested()
  @Type(() => EntityRefDto)
  referringCustomer?: EntityRefDto;
}

/** A customer as its creation answers it (and, with createdAt, as it is read). */
export class CustomerDto {
  @ApiProperty() id!: string;
  @ApiProperty() key!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The partner who referred them' }) partnerId!: string | null;
  @ApiProperty({ type: String, nullable: true }) referringCustomerId!: string | null;
  @ApiPropertyOptional({ example: '12', description: 'Global position of the event written (creation only)' }) position?: string;
  @ApiPropertyOptional({ description: 'ISO 8601 (reads only)' }) createdAt?: string;
}
