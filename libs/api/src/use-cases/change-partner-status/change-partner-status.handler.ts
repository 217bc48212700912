import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { notFound, partnerDecider, partnerStream } from '@partner-ledger/domain';
import type { Versioned } from '../../shared/etag.js';
import { position } from '../../shared/http.js';
import { Lookups } from '../../shared/lookups.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { partnerView } from '../../shared/views.js';
import { ChangePartnerStatusCommand } from './change-partner-status.command.js';

export type ChangedPartner = Versioned<ReturnType<typeof partnerView> & { position: string }>;

@CommandHandler(ChangePartnerStatusCommand)
export class ChangePartnerStatusHandler implements ICommandHandler<ChangePartnerStatusCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
  ) {}

  async execute({ programId, partnerId, status, reason, expectedRevision, ctx }: ChangePartnerStatusCommand): Promise<ChangedPartner> {
    await this.lookups.requireProgram(programId);
    const result = await this.runner.handle(partnerStream(programId, partnerId), partnerDecider, { type: 'ChangePartnerStatus', status, reason }, ctx, { expectedRevision });
    if (!result.state.exists) throw notFound('partner_not_found', `partner ${partnerId} not found`);
    return { body: { ...partnerView(result.state), position: position(result.position) }, revision: result.revision as bigint };
  }
}
