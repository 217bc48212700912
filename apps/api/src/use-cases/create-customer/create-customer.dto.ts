import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';

/** Exactly one of key, id or email. */
export class EntityRefDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(128)
  key?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(128)
  id?: string;

  @ApiPropertyOptional()
  @IsOptional()
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
  @IsOptional()
  @IsString()
  @MaxLength(128)
  key?: string;

  @ApiPropertyOptional({ type: EntityRefDto, description: 'The partner who referred this customer' })
  @IsOptional()
  @ValidateNested()
  @Type(() => EntityRefDto)
  partner?: EntityRefDto;

  @ApiPropertyOptional({ type: EntityRefDto, description: 'Refer-a-friend: the customer who referred this one' })
  @IsOptional()
  @ValidateNested()
  @Type(() => EntityRefDto)
  referringCustomer?: EntityRefDto;
}
