import { DecisionReasonDto } from '../../shared/decision-reason.dto.js';

export class ReopenConversionDto extends DecisionReasonDto {}
