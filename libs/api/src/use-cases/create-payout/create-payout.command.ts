import type { CommandContext, PropsOf } from '../../shared/command-context.js';

export class CreatePayoutCommand {
  readonly programId!: string;
  readonly currency?: string;
  readonly upTo?: string;
  readonly partnerIds?: string[];
  readonly minimumAmount?: string | number;
  readonly ctx!: CommandContext;

  constructor(props: PropsOf<CreatePayoutCommand>) {
    Object.assign(this, props);
  }
}
