import type { CommandContext, PropsOf } from '../../shared/command-context.js';

export class CreateConversionTriggerCommand {
  readonly programId!: string;
  readonly partnerId!: string;
  /** COUPON, EMAIL or SKU, as sent; the domain checks it. */
  readonly type!: string;
  /** Coupon code, customer email or product SKU. */
  readonly trigger!: string;
  readonly ctx!: CommandContext;

  constructor(props: PropsOf<CreateConversionTriggerCommand>) {
    Object.assign(this, props);
  }
}
