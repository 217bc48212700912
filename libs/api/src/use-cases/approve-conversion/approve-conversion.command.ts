import type { AUTO_AFTER_HOLD_RULE } from '@partner-ledger/domain';
import type { ExpectedRevision } from '@partner-ledger/event-store';
import type { CommandContext, PropsOf } from '../../shared/command-context.js';

export class ApproveConversionCommand {
  readonly programId!: string;
  readonly conversionId!: string;
  readonly reason?: string;
  /** Set by the engine's auto-approver only (never from a request): approve by this rule, which the decider checks. */
  readonly byRule?: typeof AUTO_AFTER_HOLD_RULE;
  /** From If-Match: the transaction stream's revision the client decided on. */
  readonly expectedRevision?: ExpectedRevision;
  readonly ctx!: CommandContext;

  constructor(props: PropsOf<ApproveConversionCommand>) {
    Object.assign(this, props);
  }
}
