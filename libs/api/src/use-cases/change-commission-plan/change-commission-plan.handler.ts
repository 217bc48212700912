import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '@partner-ledger/platform';
import { programDecider, programStream } from '@partner-ledger/domain';
import type { Versioned } from '../../shared/etag.js';
import { position } from '../../shared/http.js';
import { Lookups } from '../../shared/lookups.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { programView } from '../../shared/views.js';
import { ChangeCommissionPlanCommand } from './change-commission-plan.command.js';

export type ChangedPlan = Versioned<ReturnType<typeof programView> & { position: string }>;

@CommandHandler(ChangeCommissionPlanCommand)
export class ChangeCommissionPlanHandler implements ICommandHandler<ChangeCommissionPlanCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ programId, commission, tiers, productRates, approval, effectiveFrom, expectedRevision, ctx }: ChangeCommissionPlanCommand): Promise<ChangedPlan> {
    const now = this.clock.now();
    const result = await this.runner.handle(
      programStream(programId),
      programDecider,
      { type: 'ChangeCommissionPlan', programId, commission, tiers: tiers && [...tiers], productRates, approval, effectiveFrom, now },
      ctx,
      { expectedRevision },
    );
    if (!result.state.exists) throw new Error('program not found after its plan changed');
    // Warm this instance's cache at once; other instances read the change on their next sale.
    await this.lookups.currentProgram(programId);
    return { body: { ...programView(result.state, now), position: position(result.position) }, revision: result.revision as bigint };
  }
}
