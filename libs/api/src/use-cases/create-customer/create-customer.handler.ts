import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { assertEmail, assertKey, customerDecider, customerStream, invalid, unprocessable } from '@partner-ledger/domain';
import type { CommandContext } from '../../shared/command-context.js';
import { position } from '../../shared/http.js';
import { newId } from '../../shared/ids.js';
import { Lookups, snapshotOf } from '../../shared/lookups.js';
import { Reservations } from '../../shared/reservations.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { customerView } from '../../shared/views.js';
import type { CreateCustomerDto, EntityRefDto } from './create-customer.dto.js';

export class CreateCustomerCommand {
  constructor(readonly programId: string, readonly body: CreateCustomerDto, readonly ctx: CommandContext) {}
}

export function singleRef(ref: EntityRefDto | undefined, field: string): EntityRefDto | undefined {
  if (ref === undefined) return undefined;
  const given = (['key', 'id', 'email'] as const).filter((k) => ref[k] !== undefined);
  if (given.length !== 1) throw invalid('invalid_reference', `${field} needs exactly one of key, id or email`, field);
  return ref;
}

@CommandHandler(CreateCustomerCommand)
export class CreateCustomerHandler implements ICommandHandler<CreateCustomerCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
    private readonly reservations: Reservations,
  ) {}

  async execute({ programId, body, ctx }: CreateCustomerCommand) {
    await this.lookups.requireProgram(programId);
    const customerId = newId('cus');
    const key = body.key === undefined ? customerId : assertKey(body.key, 'key');
    const email = assertEmail(body.email, 'email');

    const partnerRef = singleRef(body.partner, 'partner');
    const partner = partnerRef ? await this.lookups.partnerBy(programId, partnerRef) : null;
    if (partnerRef && !partner) throw unprocessable('partner_not_found', 'partner names no partner of this program', 'partner');
    const referringRef = singleRef(body.referringCustomer, 'referringCustomer');
    const referring = referringRef ? await this.lookups.customerBy(programId, referringRef) : null;
    if (referringRef && !referring) {
      throw unprocessable('referring_customer_not_found', 'referringCustomer names no customer of this program', 'referringCustomer');
    }

    const command = {
      type: 'CreateCustomer' as const,
      programId,
      customerId,
      key,
      email,
      name: body.name,
      partner: partner ? snapshotOf(partner) : null,
      referringCustomerId: referring?.customerId ?? null,
    };
    // Decide once before claiming anything: a refused command must append nothing.
    customerDecider.decide(command, customerDecider.initialState());
    const claims = await this.reservations.claimAll(
      programId,
      customerId,
      [
        { kind: 'customer-key', value: key, field: 'key' },
        { kind: 'customer-email', value: email, field: 'email' },
      ],
      (owner) => customerStream(programId, owner),
      ctx,
    );
    try {
      const result = await this.runner.handle(
        customerStream(programId, customerId),
        customerDecider,
        command,
        ctx,
        { retry: false },
      );
      if (!result.state.exists) throw new Error('customer not created');
      return { ...customerView(result.state), position: position(result.position) };
    } catch (error) {
      await this.reservations.releaseAll(programId, customerId, claims, ctx);
      throw error;
    }
  }
}
