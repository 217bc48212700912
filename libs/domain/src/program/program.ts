import type { Decider, DomainEvent } from '../decider.js';
import { conflict, invalid, notFound, unprocessable } from '../errors.js';
import { assertNever } from '../exhaustive.js';
import { assertCurrency } from '../money/currency.js';
import { type ApprovalSettings, MANUAL_APPROVAL, parseApproval } from './approval.js';
import { type CommissionPlan, type CommissionPlanInput, completePlan, parseCommissionPlan } from './commission-plan.js';
import { assertName } from '../validation.js';

/** `approval` is recorded only when the client sent it (absent = MANUAL), like the plan's optional parts. */
export type ProgramCreated = DomainEvent<'ProgramCreated', { programId: string; name: string; currency: string; apiKeyHash: string; approval?: ApprovalSettings } & CommissionPlan>;
/** The program's plan from `effectiveFrom` on, complete (no defaults left implicit). */
export type CommissionPlanChanged = DomainEvent<'CommissionPlanChanged', { programId: string; effectiveFrom: string; approval: ApprovalSettings } & ReturnType<typeof completePlan>>;
export type ProgramEvent = ProgramCreated | CommissionPlanChanged;

export interface CreateProgram extends CommissionPlanInput {
  type: 'CreateProgram';
  programId: string;
  name: unknown;
  currency: unknown;
  approval?: unknown;
  /** Hash of the program's API key; the key itself is shown once and never stored. */
  apiKeyHash: string;
}
export interface ChangeCommissionPlan extends CommissionPlanInput {
  type: 'ChangeCommissionPlan';
  programId: string;
  /** Left out: the program's current approval settings carry over. */
  approval?: unknown;
  /** ISO date-time; left out: now. */
  effectiveFrom?: unknown;
  now: Date;
}
export type ProgramCommand = CreateProgram | ChangeCommissionPlan;

/** One plan of a program and when it starts; the plan the program was created with starts at null (always). */
export type PlanVersion = ReturnType<typeof completePlan> & { effectiveFrom: string | null; approval: ApprovalSettings };

export type ProgramState =
  | { exists: false }
  | {
      exists: true;
      programId: string;
      name: string;
      currency: string;
      apiKeyHash: string;
      /** Sorted by effective time; of two with the same time the later recorded comes last and wins. */
      plans: PlanVersion[];
    };
export type Program = Extract<ProgramState, { exists: true }>;

export const programStream = (programId: string) => `program-${programId}`;

/**
 * A change may be sent a little late (a client's "now" arrives after now): up to this much in the
 * past it takes effect at the moment it is recorded. Further back it is refused, because sales
 * already recorded since then were priced under the earlier plan and must keep it.
 */
export const EFFECTIVE_FROM_TOLERANCE_MS = 5 * 60_000;

function parseEffectiveFrom(input: unknown, now: Date): string {
  if (input === undefined || input === null) return now.toISOString();
  const at = typeof input === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(input) ? new Date(input) : new Date(NaN);
  if (Number.isNaN(at.getTime())) throw invalid('invalid_effective_from', 'effectiveFrom must be an ISO 8601 date-time such as 2026-01-01T00:00:00Z', 'effectiveFrom');
  if (at.getTime() < now.getTime() - EFFECTIVE_FROM_TOLERANCE_MS) {
    throw unprocessable('effective_from_in_past', 'effectiveFrom is in the past: sales recorded since then keep the plan they were sold under', 'effectiveFrom');
  }
  return (at < now ? now : at).toISOString();
}

/** The plan a sale recorded at `at` is priced under. */
export function planAt(program: Program, at: Date): PlanVersion {
  let current = program.plans[0];
  for (const plan of program.plans) if (plan.effectiveFrom === null || new Date(plan.effectiveFrom).getTime() <= at.getTime()) current = plan;
  return current;
}

function insertPlan(plans: PlanVersion[], plan: PlanVersion): PlanVersion[] {
  const after = plans.findIndex((p) => p.effectiveFrom !== null && plan.effectiveFrom !== null && p.effectiveFrom > plan.effectiveFrom);
  return after === -1 ? [...plans, plan] : [...plans.slice(0, after), plan, ...plans.slice(after)];
}

export const programDecider: Decider<ProgramCommand, ProgramEvent, ProgramState> = {
  initialState: () => ({ exists: false }),
  decide(command, state) {
    switch (command.type) {
      case 'CreateProgram': {
        if (state.exists) throw conflict('program_exists', `program ${command.programId} already exists`);
        const name = assertName(command.name, 'name');
        const currency = assertCurrency(command.currency);
        if (!command.commission || typeof command.commission !== 'object') {
          throw invalid('validation_failed', 'commission is required', 'commission');
        }
        const plan = parseCommissionPlan(command, currency);
        const approval = command.approval === undefined ? undefined : parseApproval(command.approval);
        return [{ type: 'ProgramCreated', data: { programId: command.programId, name, currency, apiKeyHash: command.apiKeyHash, ...plan, ...(approval && { approval }) } }];
      }
      case 'ChangeCommissionPlan': {
        if (!state.exists) throw notFound('program_not_found', `program ${command.programId} not found`);
        if (!command.commission || typeof command.commission !== 'object') {
          throw invalid('validation_failed', 'commission is required', 'commission');
        }
        const plan = completePlan(parseCommissionPlan(command, state.currency));
        const approval = command.approval === undefined ? state.plans[state.plans.length - 1].approval : parseApproval(command.approval);
        const effectiveFrom = parseEffectiveFrom(command.effectiveFrom, command.now);
        return [{ type: 'CommissionPlanChanged', data: { programId: state.programId, effectiveFrom, ...plan, approval } }];
      }
      default:
        return assertNever(command);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'ProgramCreated': {
        const { commission, tiers, productRates, approval, ...program } = event.data;
        return { exists: true, ...program, plans: [{ ...completePlan({ commission, tiers, productRates }), effectiveFrom: null, approval: approval ?? MANUAL_APPROVAL }] };
      }
      case 'CommissionPlanChanged': {
        if (!state.exists) return state;
        const { programId: _programId, ...plan } = event.data;
        return { ...state, plans: insertPlan(state.plans, plan) };
      }
      default:
        return assertNever(event);
    }
  },
};
