import { DecisionReasonDto } from '../../shared/decision-reason.dto.js';

export class DenyConversionDto extends DecisionReasonDto {}
