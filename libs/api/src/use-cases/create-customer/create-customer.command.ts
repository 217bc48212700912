import type { CommandContext, PropsOf } from '../../shared/command-context.js';
import type { EntityRef } from '../../shared/lookups.js';

export class CreateCustomerCommand {
  readonly programId!: string;
  readonly email!: string;
  readonly name!: string;
  /** The client's own customer id; generated when absent. */
  readonly key?: string;
  /** The partner who referred this customer. */
  readonly partner?: EntityRef;
  /** Refer-a-friend: the customer who referred this one. */
  readonly referringCustomer?: EntityRef;
  readonly ctx!: CommandContext;

  constructor(props: PropsOf<CreateCustomerCommand>) {
    Object.assign(this, props);
  }
}
