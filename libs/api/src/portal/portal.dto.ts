import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { Optional } from '../shared/http.js';
import { DEFAULT_PORTAL_LINK_SECONDS, MAX_PORTAL_LINK_SECONDS } from './portal-links.js';

export const MIN_PORTAL_LINK_SECONDS = 60;

export class CreatePortalLinkDto {
  @ApiPropertyOptional({
    description: `How long the link lasts, in seconds: ${MIN_PORTAL_LINK_SECONDS} to ${MAX_PORTAL_LINK_SECONDS} (90 days); default ${DEFAULT_PORTAL_LINK_SECONDS} (7 days)`,
    example: 86400,
    type: 'integer',
    minimum: MIN_PORTAL_LINK_SECONDS,
    maximum: MAX_PORTAL_LINK_SECONDS,
  })
  @Optional()
  @IsInt()
  @Min(MIN_PORTAL_LINK_SECONDS)
  @Max(MAX_PORTAL_LINK_SECONDS)
  expiresInSeconds?: number;
}

export class PortalLinkDto {
  @ApiProperty({
    description: 'The portal page with the token in its fragment (never sent to a server by the browser)',
    example: 'https://ledger.example.com/portal/partner#plp1.eyJwIjoi….Zm9v',
  })
  url!: string;
  @ApiProperty({ description: 'The token alone, for `GET /v1/portal/partner` as `Authorization: Bearer <token>`' }) token!: string;
  @ApiProperty({ example: '2026-03-08T12:00:00.000Z' }) expiresAt!: string;
}

class PortalBucketDto {
  @ApiProperty() count!: number;
  @ApiProperty({ example: '15.00' }) amount!: string;
}

export class PortalTotalsDto {
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ type: PortalBucketDto }) pending!: PortalBucketDto;
  @ApiProperty({ type: PortalBucketDto }) approved!: PortalBucketDto;
  @ApiProperty({ type: PortalBucketDto }) denied!: PortalBucketDto;
  @ApiProperty({ type: PortalBucketDto }) reversed!: PortalBucketDto;
  @ApiProperty({ type: PortalBucketDto }) paid!: PortalBucketDto;
  @ApiProperty({ example: '15.00', description: 'approved − paid' }) balance!: string;
}

export class PortalConversionDto {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'ORD-789', description: "The sale's key" }) transactionKey!: string;
  @ApiProperty({ enum: ['PENDING', 'APPROVED', 'DENIED'] }) status!: string;
  @ApiProperty({ example: '149.99' }) amount!: string;
  @ApiProperty({ example: '15.00', description: "This partner's commission on it, net of refunds" }) commission!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty() createdAt!: string;
}

export class PortalPayoutDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['DRAFT', 'PAID'] }) status!: string;
  @ApiProperty({ example: '15.00', description: "This partner's amount in the payout (never the batch's total)" }) amount!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) paidAt!: string | null;
}

class PortalPartnerDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'The referral key' }) key!: string;
  @ApiProperty({ enum: ['PENDING', 'ACTIVE'] }) status!: string;
}

class PortalProgramDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
}

export class PortalPartnerViewDto {
  @ApiProperty({ type: PortalProgramDto }) program!: PortalProgramDto;
  @ApiProperty({ type: PortalPartnerDto }) partner!: PortalPartnerDto;
  @ApiProperty({ type: [PortalTotalsDto], description: 'Commission by status, one entry per currency' }) totals!: PortalTotalsDto[];
  @ApiProperty({ type: [PortalConversionDto], description: 'The newest 100' }) conversions!: PortalConversionDto[];
  @ApiProperty({ type: [PortalPayoutDto], description: "Payouts holding this partner, among the program's newest 200 (cancelled ones left out)" }) payouts!: PortalPayoutDto[];
  @ApiProperty({ description: 'When the link stops working' }) expiresAt!: string;
}
