import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { payoutDecider, payoutStream } from '@partner-ledger/domain';
import { CLOCK, type Clock } from '@partner-ledger/platform';
import type { Versioned } from '../../shared/etag.js';
import { Lookups } from '../../shared/lookups.js';
import { decidePayout } from '../../shared/payout-view.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { ConfirmPayoutCommand } from './confirm-payout.command.js';

/** PAID is final: the claims the payout holds stay held, so its commissions are never paid again. */
@CommandHandler(ConfirmPayoutCommand)
export class ConfirmPayoutHandler implements ICommandHandler<ConfirmPayoutCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ programId, payoutId, reference, ctx }: ConfirmPayoutCommand): Promise<Versioned<Record<string, unknown>>> {
    await this.lookups.requireProgram(programId);
    const result = await this.runner.handle(payoutStream(programId, payoutId), payoutDecider, { type: 'ConfirmPayout', reference, confirmedBy: ctx.actor, now: this.clock.now() }, ctx);
    return decidePayout(result);
  }
}
