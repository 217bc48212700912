import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { formatAmount, notFound, type TransactionEvent, transactionDecider, transactionStream } from '@partner-ledger/domain';
import type { Versioned } from '../../shared/etag.js';
import { position } from '../../shared/http.js';
import { newId } from '../../shared/ids.js';
import { Lookups } from '../../shared/lookups.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { commissionView, transactionView } from '../../shared/views.js';
import { RefundTransactionCommand } from './refund-transaction.command.js';

function refundOf(events: TransactionEvent[]) {
  const refund = events.find((e) => e.type === 'TransactionRefunded');
  if (refund?.type !== 'TransactionRefunded') return null;
  return { refundId: refund.data.refundId, amount: formatAmount(refund.data.amountMinor, refund.data.currency), reversals: refund.data.reversals };
}

@CommandHandler(RefundTransactionCommand)
export class RefundTransactionHandler implements ICommandHandler<RefundTransactionCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
  ) {}

  async execute({ programId, transactionKey, amount, reason, expectedRevision, ctx }: RefundTransactionCommand): Promise<Versioned<Record<string, unknown>>> {
    await this.lookups.requireProgram(programId);
    const refundId = newId('ref');
    const result = await this.runner.handle(
      transactionStream(programId, transactionKey),
      transactionDecider,
      { type: 'RefundTransaction', refundId, amount, reason, actor: ctx.actor },
      ctx,
      {
        expectedRevision,
      },
    );
    const refunded = refundOf(result.events);
    if (!result.state.exists || !refunded) throw notFound('transaction_not_found', `transaction ${transactionKey} not found`);
    const currency = result.state.recorded.currency;
    return {
      body: {
        ...transactionView(result.state),
        refund: { id: refunded.refundId, amount: refunded.amount, reversals: commissionView(refunded.reversals, currency) },
        position: position(result.position),
      },
      revision: result.revision as bigint,
    };
  }
}
