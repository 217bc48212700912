import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { notFound, partnerDecider, partnerStream } from '@partner-ledger/domain';
import type { CommandContext } from '../../shared/command-context.js';
import { position } from '../../shared/http.js';
import { Lookups } from '../../shared/lookups.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { partnerView } from '../../shared/views.js';
import type { ChangePartnerStatusDto } from './change-partner-status.dto.js';

export class ChangePartnerStatusCommand {
  constructor(readonly programId: string, readonly partnerId: string, readonly body: ChangePartnerStatusDto, readonly ctx: CommandContext) {}
}

@CommandHandler(ChangePartnerStatusCommand)
export class ChangePartnerStatusHandler implements ICommandHandler<ChangePartnerStatusCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
  ) {}

  async execute({ programId, partnerId, body, ctx }: ChangePartnerStatusCommand) {
    await this.lookups.requireProgram(programId);
    const result = await this.runner.handle(
      partnerStream(programId, partnerId),
      partnerDecider,
      { type: 'ChangePartnerStatus', status: body.status, reason: body.reason },
      ctx,
    );
    if (!result.state.exists) throw notFound('partner_not_found', `partner ${partnerId} not found`);
    return { ...partnerView(result.state), position: position(result.position) };
  }
}
