import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  assertEmail,
  assertKey,
  conflict,
  partnerDecider,
  partnerStream,
  unprocessable,
} from '@partner-ledger/domain';
import type { CommandContext } from '../../shared/command-context.js';
import { position } from '../../shared/http.js';
import { newId, newReferralKey } from '../../shared/ids.js';
import { Lookups, snapshotOf } from '../../shared/lookups.js';
import { Reservations } from '../../shared/reservations.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { partnerView } from '../../shared/views.js';
import type { CreatePartnerDto } from './create-partner.dto.js';

export class CreatePartnerCommand {
  constructor(readonly programId: string, readonly body: CreatePartnerDto, readonly ctx: CommandContext) {}
}

@CommandHandler(CreatePartnerCommand)
export class CreatePartnerHandler implements ICommandHandler<CreatePartnerCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
    private readonly reservations: Reservations,
  ) {}

  async execute({ programId, body, ctx }: CreatePartnerCommand) {
    await this.lookups.requireProgram(programId);
    const partnerId = body.id === undefined ? newId('par') : assertKey(body.id, 'id');
    const key = body.key === undefined ? newReferralKey() : assertKey(body.key, 'key');
    const email = assertEmail(body.email, 'email');
    const stream = partnerStream(programId, partnerId);
    if (await this.runner.exists(stream)) throw conflict('partner_exists', `partner ${partnerId} already exists`, 'id');

    let referringPartner = null;
    if (body.referringPartnerKey !== undefined) {
      const referrer = await this.lookups.partnerBy(programId, { key: body.referringPartnerKey });
      if (!referrer) throw unprocessable('referring_partner_not_found', 'referringPartnerKey names no partner of this program', 'referringPartnerKey');
      referringPartner = snapshotOf(referrer);
    }

    const command = { type: 'CreatePartner' as const, programId, partnerId, key, email, name: body.name, status: body.status, details: body.details, referringPartner };
    // Decide once before claiming anything: a refused command must append nothing.
    partnerDecider.decide(command, partnerDecider.initialState());
    const claims = await this.reservations.claimAll(
      programId,
      partnerId,
      [
        { kind: 'partner-key', value: key, field: 'key' },
        { kind: 'partner-email', value: email, field: 'email' },
      ],
      (owner) => partnerStream(programId, owner),
      ctx,
    );
    try {
      const result = await this.runner.handle(
        stream,
        partnerDecider,
        command,
        ctx,
        { retry: false },
      );
      if (!result.state.exists) throw new Error('partner not created');
      return { ...partnerView(result.state), position: position(result.position) };
    } catch (error) {
      await this.reservations.releaseAll(programId, partnerId, claims, ctx);
      throw error;
    }
  }
}
