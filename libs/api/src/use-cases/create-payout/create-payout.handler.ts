import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type CreatePayout, DomainError, payoutDecider, payoutOptions, payoutStream } from '@partner-ledger/domain';
import { CLOCK, type Clock } from '@partner-ledger/platform';
import type { ReadSide } from '@partner-ledger/projections';
import type { Versioned } from '../../shared/etag.js';
import { position } from '../../shared/http.js';
import { newId } from '../../shared/ids.js';
import { Lookups } from '../../shared/lookups.js';
import { payoutRecordOf, payoutView } from '../../shared/payout-view.js';
import { Reservations } from '../../shared/reservations.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { READ_SIDE } from '../../shared/tokens.js';
import { CreatePayoutCommand } from './create-payout.command.js';
import { claimsOf, PayableLines } from './payable-lines.js';

/** A lost race for a claim is decided again on fresh streams, this many times in all. */
const ATTEMPTS = 3;

/**
 * Decides the batch on lines checked against the streams, then claims each line's settlement
 * (`payout-line` reservations, owned by the payout) before writing the payout's stream: two payouts
 * deciding on the same lines compete for the same claims, in the same order, and only one gets
 * them. A payout that loses a claim gives back those it took and decides again on what is left.
 */
@CommandHandler(CreatePayoutCommand)
export class CreatePayoutHandler implements ICommandHandler<CreatePayoutCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
    private readonly reservations: Reservations,
    @Inject(READ_SIDE) private readonly readSide: ReadSide,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ programId, currency, upTo, partnerIds, minimumAmount, ctx }: CreatePayoutCommand): Promise<Versioned<Record<string, unknown>>> {
    const program = await this.lookups.requireProgram(programId);
    const request = { currency, upTo, partnerIds, minimumAmount };
    for (let attempt = 1; ; attempt++) {
      const now = this.clock.now();
      // Refuse bad options before reading anything.
      const options = payoutOptions(request, program.currency, now);
      const lines = await new PayableLines(this.runner, this.readSide, programId).gather(options.currency, options.partnerIds);
      const payoutId = newId('po');
      const command: CreatePayout = { type: 'CreatePayout', ...request, programId, payoutId, programCurrency: program.currency, now, actor: ctx.actor, lines };
      const [created] = payoutDecider.decide(command, payoutDecider.initialState());
      if (created.type !== 'PayoutCreated') throw new Error('a payout decision starts with PayoutCreated');
      const stream = (id: string) => payoutStream(programId, id);
      try {
        const result = await this.reservations.withClaims(programId, payoutId, claimsOf(created.data.items), stream, ctx, () =>
          this.runner.handle(stream(payoutId), payoutDecider, command, ctx, { expectedRevision: 'no_stream' }),
        );
        if (!result.state.exists) throw new Error('a created payout exists');
        return { body: { ...payoutView(payoutRecordOf(result.state)), position: position(result.position) }, revision: result.revision as bigint };
      } catch (error) {
        if (error instanceof DomainError && error.code === 'payout_line_taken' && attempt < ATTEMPTS) continue;
        throw error;
      }
    }
  }
}
