import type { CommandContext, PropsOf } from '../../shared/command-context.js';

export class CreateProgramCommand {
  readonly name!: string;
  readonly currency!: string;
  readonly commission!: { readonly type: string; readonly amount: string | number };
  readonly tiers?: readonly { readonly level: number; readonly amount: string | number }[];
  readonly ctx!: CommandContext;

  constructor(props: PropsOf<CreateProgramCommand>) {
    Object.assign(this, props);
  }
}
