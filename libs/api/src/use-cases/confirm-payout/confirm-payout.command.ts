import type { CommandContext, PropsOf } from '../../shared/command-context.js';

export class ConfirmPayoutCommand {
  readonly programId!: string;
  readonly payoutId!: string;
  readonly reference?: string;
  readonly ctx!: CommandContext;

  constructor(props: PropsOf<ConfirmPayoutCommand>) {
    Object.assign(this, props);
  }
}
