import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { assertEmail, assertKey, conflict, partnerDecider, partnerStream, unprocessable } from '@partner-ledger/domain';
import type { Versioned } from '../../shared/etag.js';
import { position } from '../../shared/http.js';
import { newId, newReferralKey } from '../../shared/ids.js';
import { Lookups, snapshotOf } from '../../shared/lookups.js';
import { Reservations } from '../../shared/reservations.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { partnerView } from '../../shared/views.js';
import { CreatePartnerCommand } from './create-partner.command.js';

export type CreatedPartner = Versioned<ReturnType<typeof partnerView> & { position: string }>;

@CommandHandler(CreatePartnerCommand)
export class CreatePartnerHandler implements ICommandHandler<CreatePartnerCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
    private readonly reservations: Reservations,
  ) {}

  async execute(input: CreatePartnerCommand): Promise<CreatedPartner> {
    const { programId, ctx } = input;
    await this.lookups.requireProgram(programId);
    const partnerId = input.id === undefined ? newId('par') : assertKey(input.id, 'id');
    const key = input.key === undefined ? newReferralKey() : assertKey(input.key, 'key');
    const email = assertEmail(input.email, 'email');
    const stream = partnerStream(programId, partnerId);
    if (await this.runner.exists(stream)) throw conflict('partner_exists', `partner ${partnerId} already exists`, 'id');

    let referringPartner = null;
    if (input.referringPartnerKey !== undefined) {
      const referrer = await this.lookups.partnerBy(programId, { key: input.referringPartnerKey });
      if (!referrer) throw unprocessable('referring_partner_not_found', 'referringPartnerKey names no partner of this program', 'referringPartnerKey');
      referringPartner = snapshotOf(referrer);
    }

    const command = { type: 'CreatePartner' as const, programId, partnerId, key, email, name: input.name, status: input.status, details: input.details, referringPartner };
    // Decide once before claiming anything: a refused command must append nothing.
    partnerDecider.decide(command, partnerDecider.initialState());
    const claims = [
      { kind: 'partner-key' as const, value: key, field: 'key' },
      { kind: 'partner-email' as const, value: email, field: 'email' },
    ];
    return this.reservations.withClaims(
      programId,
      partnerId,
      claims,
      (owner) => partnerStream(programId, owner),
      ctx,
      async () => {
        const result = await this.runner.handle(stream, partnerDecider, command, ctx);
        if (!result.state.exists) throw new Error('partner not created');
        return { body: { ...partnerView(result.state), position: position(result.position) }, revision: result.revision as bigint };
      },
    );
  }
}
