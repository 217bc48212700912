import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { payoutDecider, payoutStream } from '@partner-ledger/domain';
import { CLOCK, type Clock } from '@partner-ledger/platform';
import type { Versioned } from '../../shared/etag.js';
import { Lookups } from '../../shared/lookups.js';
import { decidePayout } from '../../shared/payout-view.js';
import { Reservations } from '../../shared/reservations.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { claimsOf } from '../create-payout/payable-lines.js';
import { CancelPayoutCommand } from './cancel-payout.command.js';

/**
 * PayoutCancelled is written first: from then on the payout holds nothing, whatever its claims say.
 * The claims are released next; a process that dies in between leaves them held by a cancelled
 * payout (its lines are not payable meanwhile), and cancelling it again, which appends nothing,
 * releases them.
 */
@CommandHandler(CancelPayoutCommand)
export class CancelPayoutHandler implements ICommandHandler<CancelPayoutCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
    private readonly reservations: Reservations,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ programId, payoutId, ctx }: CancelPayoutCommand): Promise<Versioned<Record<string, unknown>>> {
    await this.lookups.requireProgram(programId);
    const result = await this.runner.handle(payoutStream(programId, payoutId), payoutDecider, { type: 'CancelPayout', cancelledBy: ctx.actor, now: this.clock.now() }, ctx);
    if (result.state.exists) await this.reservations.releaseAll(programId, payoutId, claimsOf(result.state.created.items), ctx);
    return decidePayout(result);
  }
}
