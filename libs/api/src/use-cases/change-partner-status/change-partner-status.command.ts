import type { ExpectedRevision } from '@partner-ledger/event-store';
import type { CommandContext, PropsOf } from '../../shared/command-context.js';

export class ChangePartnerStatusCommand {
  readonly programId!: string;
  readonly partnerId!: string;
  readonly status!: string;
  readonly reason?: string;
  /** From If-Match: the partner stream's revision the client decided on. */
  readonly expectedRevision?: ExpectedRevision;
  readonly ctx!: CommandContext;

  constructor(props: PropsOf<ChangePartnerStatusCommand>) {
    Object.assign(this, props);
  }
}
