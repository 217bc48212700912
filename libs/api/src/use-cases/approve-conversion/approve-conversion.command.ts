import type { ExpectedRevision } from '@partner-ledger/event-store';
import type { CommandContext, PropsOf } from '../../shared/command-context.js';

export class ApproveConversionCommand {
  readonly programId!: string;
  readonly conversionId!: string;
  readonly reason?: string;
  /** From If-Match: the transaction stream's revision the client decided on. */
  readonly expectedRevision?: ExpectedRevision;
  readonly ctx!: CommandContext;

  constructor(props: PropsOf<ApproveConversionCommand>) {
    Object.assign(this, props);
  }
}
