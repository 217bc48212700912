import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { assertEmail, notFound, partnerDecider, partnerStream } from '@partner-ledger/domain';
import type { Versioned } from '../../shared/etag.js';
import { position } from '../../shared/http.js';
import { Lookups } from '../../shared/lookups.js';
import { type Claim, Reservations } from '../../shared/reservations.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { partnerView } from '../../shared/views.js';
import { UpdatePartnerDetailsCommand } from './update-partner-details.command.js';

export type UpdatedPartner = Versioned<ReturnType<typeof partnerView> & { position: string }>;

/** An email change claims the new address first and frees the old one only once the change is written. */
@CommandHandler(UpdatePartnerDetailsCommand)
export class UpdatePartnerDetailsHandler implements ICommandHandler<UpdatePartnerDetailsCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
    private readonly reservations: Reservations,
  ) {}

  async execute({ programId, partnerId, name, email, details, expectedRevision, ctx }: UpdatePartnerDetailsCommand): Promise<UpdatedPartner> {
    await this.lookups.requireProgram(programId);
    const stream = partnerStream(programId, partnerId);
    const { state: current, revision } = await this.runner.load(stream, partnerDecider);
    if (!current.exists) throw notFound('partner_not_found', `partner ${partnerId} not found`);
    // Checked before the new email is claimed, so a stale If-Match appends nothing.
    this.runner.checkExpected(stream, revision, expectedRevision);
    const newEmail = email === undefined ? undefined : assertEmail(email, 'email');
    const command = { type: 'UpdatePartnerDetails' as const, name, email: newEmail, details };
    // Decide once on the current state before claiming the new email: a refusal appends nothing.
    partnerDecider.decide(command, current);
    const claims: Claim[] = newEmail !== undefined && newEmail !== current.email ? [{ kind: 'partner-email', value: newEmail, field: 'email' }] : [];
    const result = await this.reservations.withClaims(
      programId,
      partnerId,
      claims,
      (o) => partnerStream(programId, o),
      ctx,
      () => this.runner.handle(stream, partnerDecider, command, ctx, { expectedRevision }),
    );
    if (!result.state.exists) throw notFound('partner_not_found', `partner ${partnerId} not found`);
    const emailChange = result.events.find((e) => e.type === 'PartnerDetailsUpdated' && e.data.previousEmail);
    if (emailChange?.type === 'PartnerDetailsUpdated' && emailChange.data.previousEmail) {
      await this.reservations.releaseAll(programId, partnerId, [{ kind: 'partner-email', value: emailChange.data.previousEmail, field: 'email' }], ctx);
    }
    return { body: { ...partnerView(result.state), position: position(result.position) }, revision: result.revision as bigint };
  }
}
