import { DecisionReasonDto } from '../../shared/decision-reason.dto.js';

export class ApproveConversionDto extends DecisionReasonDto {}
