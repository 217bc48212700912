import type { Decider, DomainEvent } from '../decider.js';
import { conflict, invalid } from '../errors.js';
import { assertNever } from '../exhaustive.js';
import { assertCurrency } from '../money/currency.js';
import { type CommissionPlan, parseCommissionPlan } from './commission-plan.js';
import { assertName } from '../validation.js';

export type ProgramCreated = DomainEvent<'ProgramCreated', { programId: string; name: string; currency: string; apiKeyHash: string } & CommissionPlan>;
export type ProgramEvent = ProgramCreated;

export interface CreateProgram {
  type: 'CreateProgram';
  programId: string;
  name: unknown;
  currency: unknown;
  commission: { type: unknown; amount: unknown };
  tiers?: { level: unknown; amount: unknown }[];
  /** Hash of the program's API key; the key itself is shown once and never stored. */
  apiKeyHash: string;
}
export type ProgramCommand = CreateProgram;

export type ProgramState = { exists: false } | ({ exists: true; programId: string; name: string; currency: string; apiKeyHash: string } & CommissionPlan);

export const programStream = (programId: string) => `program-${programId}`;

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
        return [{ type: 'ProgramCreated', data: { programId: command.programId, name, currency, apiKeyHash: command.apiKeyHash, ...plan } }];
      }
      default:
        return assertNever(command.type);
    }
  },
  evolve(_state, event) {
    switch (event.type) {
      case 'ProgramCreated':
        return { exists: true, ...event.data };
      default:
        return assertNever(event.type);
    }
  },
};
