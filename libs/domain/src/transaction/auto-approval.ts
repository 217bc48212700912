import type { Actor } from '../actor.js';
import { conflict } from '../errors.js';
import type { ApprovalSettings } from '../program/approval.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The rule name the engine records as its actor's `rule` when it approves a conversion whose hold has passed. */
export const AUTO_AFTER_HOLD_RULE = 'AUTO_AFTER_HOLD';

/** Who the engine's approvals are by. */
export const AUTO_APPROVAL_ACTOR: Actor = Object.freeze({ type: 'ENGINE', rule: AUTO_AFTER_HOLD_RULE });

/**
 * The approval rule in effect when the sale was recorded, on ConversionCreated of a program in
 * AUTO_AFTER_HOLD mode (absent: a person approves it, as for every conversion before this
 * existed). Recorded rather than looked up later so a settings change never re-times conversions
 * already sold, and the conversion's own stream says when it falls due.
 */
export interface AutoApprovalRule {
  mode: 'AUTO_AFTER_HOLD';
  holdDays: number;
  /** ISO time from which the engine approves it: the sale's time plus `holdDays` days. */
  holdUntil: string;
}

/** The rule a sale recorded at `at` gets under its program's settings; undefined for MANUAL. */
export function autoApprovalRuleAt(settings: ApprovalSettings | undefined, at: Date): AutoApprovalRule | undefined {
  if (!settings || settings.mode !== 'AUTO_AFTER_HOLD') return undefined;
  return { mode: 'AUTO_AFTER_HOLD', holdDays: settings.holdDays, holdUntil: new Date(at.getTime() + settings.holdDays * DAY_MS).toISOString() };
}

/** What the decider knows of a conversion that the engine's approval rule checks. */
export interface AutoApprovalFacts {
  /** The sale's rule; null when it has none. */
  autoApproval: AutoApprovalRule | null;
  /** A person reopened it after a denial: people decide it from then on. */
  reopened: boolean;
  flags: readonly string[];
}

/**
 * Refuses an approval by the engine's AUTO_AFTER_HOLD rule unless the rule applies now: the sale
 * was made under it, it was not reopened by a person, it carries no flag, and its hold has passed
 * at `now`. (Pending, not fully refunded: checked for every approval.)
 */
export function assertAutoApprovable(conversion: AutoApprovalFacts, now: Date | undefined): AutoApprovalRule {
  const rule = conversion.autoApproval;
  if (!rule || conversion.reopened)
    throw conflict('auto_approval_not_applicable', 'this conversion is not approved automatically: its program approved manually when it was sold, or a person reopened it');
  if (conversion.flags.length) throw conflict('conversion_flagged', `a flagged conversion (${conversion.flags.join(', ')}) is never approved automatically`);
  if (!now || now.getTime() < new Date(rule.holdUntil).getTime()) throw conflict('hold_not_passed', `the conversion's hold lasts until ${rule.holdUntil}`);
  return rule;
}
