import type { ExpectedRevision } from '@partner-ledger/event-store';
import type { CommandContext, PropsOf } from '../../shared/command-context.js';
import type { PlanInput } from '../create-program/create-program.command.js';

export class ChangeCommissionPlanCommand implements PlanInput {
  readonly programId!: string;
  readonly commission!: PlanInput['commission'];
  readonly tiers?: PlanInput['tiers'];
  readonly productRates?: PlanInput['productRates'];
  readonly approval?: PlanInput['approval'];
  /** ISO date-time; absent: now. */
  readonly effectiveFrom?: string;
  readonly expectedRevision?: ExpectedRevision;
  readonly ctx!: CommandContext;

  constructor(props: PropsOf<ChangeCommissionPlanCommand>) {
    Object.assign(this, props);
  }
}
