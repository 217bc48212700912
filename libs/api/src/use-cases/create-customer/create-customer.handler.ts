import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { assertEmail, assertKey, customerDecider, customerStream, invalid, unprocessable } from '@partner-ledger/domain';
import type { Versioned } from '../../shared/etag.js';
import { position } from '../../shared/http.js';
import { newId } from '../../shared/ids.js';
import { type EntityRef, Lookups, snapshotOf } from '../../shared/lookups.js';
import { Reservations } from '../../shared/reservations.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { customerView } from '../../shared/views.js';
import { CreateCustomerCommand } from './create-customer.command.js';

export type CreatedCustomer = Versioned<ReturnType<typeof customerView> & { position: string }>;

export function singleRef(ref: EntityRef | undefined, field: string): EntityRef | undefined {
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

  async execute(input: CreateCustomerCommand): Promise<CreatedCustomer> {
    const { programId, ctx } = input;
    await this.lookups.requireProgram(programId);
    const customerId = newId('cus');
    const key = input.key === undefined ? customerId : assertKey(input.key, 'key');
    const email = assertEmail(input.email, 'email');

    const partnerRef = singleRef(input.partner, 'partner');
    const partner = partnerRef ? await this.lookups.partnerBy(programId, partnerRef) : null;
    if (partnerRef && !partner) throw unprocessable('partner_not_found', 'partner names no partner of this program', 'partner');
    const referringRef = singleRef(input.referringCustomer, 'referringCustomer');
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
      name: input.name,
      partner: partner ? snapshotOf(partner) : null,
      referringCustomerId: referring?.customerId ?? null,
    };
    // Decide once before claiming anything: a refused command must append nothing.
    customerDecider.decide(command, customerDecider.initialState());
    const claims = [
      { kind: 'customer-key' as const, value: key, field: 'key' },
      { kind: 'customer-email' as const, value: email, field: 'email' },
    ];
    return this.reservations.withClaims(
      programId,
      customerId,
      claims,
      (owner) => customerStream(programId, owner),
      ctx,
      async () => {
        const result = await this.runner.handle(customerStream(programId, customerId), customerDecider, command, ctx);
        if (!result.state.exists) throw new Error('customer not created');
        return { body: { ...customerView(result.state), position: position(result.position) }, revision: result.revision as bigint };
      },
    );
  }
}
