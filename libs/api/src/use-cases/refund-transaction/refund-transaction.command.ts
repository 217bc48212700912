import type { AmountInput } from '@partner-ledger/domain';
import type { ExpectedRevision } from '@partner-ledger/event-store';
import type { CommandContext, PropsOf } from '../../shared/command-context.js';

export class RefundTransactionCommand {
  readonly programId!: string;
  readonly transactionKey!: string;
  /** Partial refund amount as sent; absent refunds everything left. */
  readonly amount?: AmountInput;
  /** Why; recorded on TransactionRefunded and shown in the conversion history. */
  readonly reason?: string;
  /** From If-Match: the transaction stream's revision the client decided on. */
  readonly expectedRevision?: ExpectedRevision;
  readonly ctx!: CommandContext;

  constructor(props: PropsOf<RefundTransactionCommand>) {
    Object.assign(this, props);
  }
}
