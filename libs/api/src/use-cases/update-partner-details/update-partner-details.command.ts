import type { ExpectedRevision } from '@partner-ledger/event-store';
import type { CommandContext, PropsOf } from '../../shared/command-context.js';

export class UpdatePartnerDetailsCommand {
  readonly programId!: string;
  readonly partnerId!: string;
  readonly name?: string;
  readonly email?: string;
  /** Merged into the current details; a field set to null is cleared. */
  readonly details?: Record<string, unknown>;
  /** From If-Match: the partner stream's revision the client decided on. */
  readonly expectedRevision?: ExpectedRevision;
  readonly ctx!: CommandContext;

  constructor(props: PropsOf<UpdatePartnerDetailsCommand>) {
    Object.assign(this, props);
  }
}
