import type { CommandContext, PropsOf } from '../../shared/command-context.js';

export class CancelPayoutCommand {
  readonly programId!: string;
  readonly payoutId!: string;
  readonly ctx!: CommandContext;

  constructor(props: PropsOf<CancelPayoutCommand>) {
    Object.assign(this, props);
  }
}
