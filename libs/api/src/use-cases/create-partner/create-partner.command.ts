import type { CommandContext, PropsOf } from '../../shared/command-context.js';

export class CreatePartnerCommand {
  readonly programId!: string;
  readonly email!: string;
  readonly name!: string;
  /** The client's own partner id; generated when absent. */
  readonly id?: string;
  /** Referral key; generated when absent. */
  readonly key?: string;
  readonly referringPartnerKey?: string;
  readonly status?: string;
  readonly details?: Record<string, unknown>;
  readonly ctx!: CommandContext;

  constructor(props: PropsOf<CreatePartnerCommand>) {
    Object.assign(this, props);
  }
}
