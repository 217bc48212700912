import type { AmountInput } from '@partner-ledger/domain';
import type { CommandContext, PropsOf } from '../../shared/command-context.js';

export class CreateTransactionCommand {
  readonly programId!: string;
  /** The buyer's customer key. */
  readonly customerKey!: string;
  /** Sale amount as sent ("149.99" or 149.99); the domain parses it exactly. */
  readonly amount!: AmountInput;
  /** The client's order id; makes retries safe. Generated when absent. */
  readonly key?: string;
  readonly currency?: string;
  readonly productId?: string;
  readonly productType?: string;
  readonly couponCode?: string;
  readonly partnerKey?: string;
  readonly ctx!: CommandContext;

  constructor(props: PropsOf<CreateTransactionCommand>) {
    Object.assign(this, props);
  }
}
