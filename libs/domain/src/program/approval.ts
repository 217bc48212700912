import { invalid } from '../errors.js';

/**
 * How a program's pending conversions get approved: by a person (MANUAL), or by the engine once
 * `holdDays` have passed since the sale (AUTO_AFTER_HOLD; 0 = as soon as the rules allow). A sale
 * records the rule in effect at its time on its conversion (transaction/auto-approval.ts).
 */
export type ApprovalMode = 'MANUAL' | 'AUTO_AFTER_HOLD';
export const APPROVAL_MODES: ApprovalMode[] = ['MANUAL', 'AUTO_AFTER_HOLD'];
export const MAX_HOLD_DAYS = 365;

export interface ApprovalSettings {
  mode: ApprovalMode;
  holdDays: number;
}

/** What a program without approval settings (any program created before they existed) has. */
export const MANUAL_APPROVAL: ApprovalSettings = { mode: 'MANUAL', holdDays: 0 };

/** `holdDays` may be left out for MANUAL (0); AUTO_AFTER_HOLD must say how long it holds. */
export function parseApproval(input: unknown): ApprovalSettings {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw invalid('invalid_approval', 'approval must be {mode, holdDays}', 'approval');
  const { mode, holdDays } = input as { mode?: unknown; holdDays?: unknown };
  if (!APPROVAL_MODES.includes(mode as ApprovalMode)) {
    throw invalid('invalid_approval_mode', `approval.mode must be one of ${APPROVAL_MODES.join(', ')}`, 'approval.mode');
  }
  if ((holdDays === undefined || holdDays === null) && mode === 'MANUAL') return { mode, holdDays: 0 };
  if (typeof holdDays !== 'number' || !Number.isInteger(holdDays) || holdDays < 0 || holdDays > MAX_HOLD_DAYS) {
    throw invalid('invalid_hold_days', `approval.holdDays must be an integer from 0 to ${MAX_HOLD_DAYS}`, 'approval.holdDays');
  }
  return { mode: mode as ApprovalMode, holdDays };
}
