import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { assertEmail, notFound, partnerDecider, partnerStream } from '@partner-ledger/domain';
import type { CommandContext } from '../../shared/command-context.js';
import { position } from '../../shared/http.js';
import { Lookups } from '../../shared/lookups.js';
import { type Claim, Reservations } from '../../shared/reservations.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { partnerView } from '../../shared/views.js';
import type { UpdatePartnerDetailsDto } from './update-partner-details.dto.js';

export class UpdatePartnerDetailsCommand {
  constructor(readonly programId: string, readonly partnerId: string, readonly body: UpdatePartnerDetailsDto, readonly ctx: CommandContext) {}
}

/** An email change claims the new address first and frees the old one only once the change is written. */
@CommandHandler(UpdatePartnerDetailsCommand)
export class UpdatePartnerDetailsHandler implements ICommandHandler<UpdatePartnerDetailsCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
    private readonly reservations: Reservations,
  ) {}

  async execute({ programId, partnerId, body, ctx }: UpdatePartnerDetailsCommand) {
    await this.lookups.requireProgram(programId);
    const current = await this.lookups.partner(programId, partnerId);
    if (!current) throw notFound('partner_not_found', `partner ${partnerId} not found`);
    const stream = partnerStream(programId, partnerId);
    const newEmail = body.email === undefined ? undefined : assertEmail(body.email, 'email');
    const command = { type: 'UpdatePartnerDetails' as const, name: body.name, email: newEmail, details: body.details };
    // Decide once on the current state before claiming the new email: a refusal appends nothing.
    partnerDecider.decide(command, current);
    let claims: Claim[] = [];
    if (newEmail !== undefined && newEmail !== current.email) {
      claims = await this.reservations.claimAll(programId, partnerId, [{ kind: 'partner-email', value: newEmail, field: 'email' }], (o) => partnerStream(programId, o), ctx);
    }
    let result;
    try {
      result = await this.runner.handle(stream, partnerDecider, command, ctx);
    } catch (error) {
      await this.reservations.releaseAll(programId, partnerId, claims, ctx);
      throw error;
    }
    if (!result.state.exists) throw notFound('partner_not_found', `partner ${partnerId} not found`);
    const emailChange = result.events.find((e) => e.type === 'PartnerDetailsUpdated' && e.data.previousEmail);
    if (emailChange?.type === 'PartnerDetailsUpdated' && emailChange.data.previousEmail) {
      await this.reservations.releaseAll(programId, partnerId, [{ kind: 'partner-email', value: emailChange.data.previousEmail, field: 'email' }], ctx);
    }
    return { ...partnerView(result.state), position: position(result.position) };
  }
}
