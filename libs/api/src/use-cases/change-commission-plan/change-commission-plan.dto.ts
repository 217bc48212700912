import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { APPROVAL_MODES, COMMISSION_TYPES, DURATION_TYPES } from '@partner-ledger/domain';
import { Optional } from '../../shared/http.js';
import { CommissionPlanDto } from '../create-program/create-program.dto.js';

export class ChangeCommissionPlanDto extends CommissionPlanDto {
  @ApiPropertyOptional({
    description: 'When the plan starts (ISO 8601). Default now; a time more than 5 minutes past is refused, a time up to then takes effect now.',
    example: '2026-01-01T00:00:00Z',
  })
  @Optional()
  @IsString()
  @MaxLength(40)
  effectiveFrom?: string;
}

export class DurationView {
  @ApiProperty({ enum: DURATION_TYPES }) type!: string;
  @ApiPropertyOptional() count?: number;
}
export class CommissionView {
  @ApiProperty({ enum: COMMISSION_TYPES }) type!: string;
  @ApiProperty({ example: '10' }) amount!: string;
  @ApiPropertyOptional({ type: DurationView, description: 'Always spelled out in a plan; as sent when a program is created' }) duration?: DurationView;
}
export class TierView {
  @ApiProperty() level!: number;
  @ApiProperty({ example: '5' }) amount!: string;
}
export class ProductRateView {
  @ApiProperty() productId!: string;
  @ApiProperty({ enum: COMMISSION_TYPES }) type!: string;
  @ApiProperty({ example: '20' }) amount!: string;
}
export class ApprovalView {
  @ApiProperty({ enum: APPROVAL_MODES }) mode!: string;
  @ApiProperty() holdDays!: number;
}
export class PlanView {
  @ApiProperty({ nullable: true, type: String, description: 'When the plan starts; null for the plan the program was created with' }) effectiveFrom!: string | null;
  @ApiProperty({ type: CommissionView }) commission!: CommissionView;
  @ApiProperty({ type: [TierView] }) tiers!: TierView[];
  @ApiProperty({ type: [ProductRateView] }) productRates!: ProductRateView[];
  @ApiProperty({ type: ApprovalView }) approval!: ApprovalView;
}

/** GET /programs/:pid and the plan change's answer: the plan in effect now, and every plan. */
export class ProgramPlansView extends PlanView {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ type: [PlanView], description: 'Every plan, by effective time; a sale is priced under the last one started when it was recorded' }) plans!: PlanView[];
  @ApiPropertyOptional({ description: 'Global position of the change (plan change only)' }) position?: string;
}
