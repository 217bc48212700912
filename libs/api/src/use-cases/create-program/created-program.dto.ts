import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApprovalView, CommissionView, ProductRateView, TierView } from '../change-commission-plan/change-commission-plan.dto.js';

/** The program as created: its plan as sent (optional parts only when sent) and its key, shown once. */
export class CreatedProgramDto {
  @ApiProperty({ example: 'prg_8f2c1e9a0b7d4c3e2f1a' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ type: CommissionView }) commission!: CommissionView;
  @ApiProperty({ type: [TierView] }) tiers!: TierView[];
  @ApiPropertyOptional({ type: [ProductRateView] }) productRates?: ProductRateView[];
  @ApiPropertyOptional({ type: ApprovalView }) approval?: ApprovalView;
  @ApiProperty({ description: "The program's API key: shown here once, never stored" }) apiKey!: string;
  @ApiProperty({ example: '1' }) position!: string;
}
