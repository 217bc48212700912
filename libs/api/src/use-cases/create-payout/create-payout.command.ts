import type { AmountInput } from '@partner-ledger/domain';
import type { CommandContext, PropsOf } from '../../shared/command-context.js';

export class CreatePayoutCommand {
  readonly programId!: string;
  readonly currency?: string;
  readonly upTo?: string;
  readonly partnerIds?: string[];
  readonly minimumAmount?: AmountInput;
  readonly ctx!: CommandContext;

  constructor(props: PropsOf<CreatePayoutCommand>) {
    Object.assign(this, props);
  }
}
