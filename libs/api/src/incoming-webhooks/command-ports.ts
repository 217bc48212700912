import type { CommandBus } from '@nestjs/cqrs';
import { DryRunEventStore } from '@partner-ledger/event-store';
import type { EventStore } from '@partner-ledger/event-store';
import type { CommandContext } from '../shared/command-context.js';
import { Lookups } from '../shared/lookups.js';
import { Reservations } from '../shared/reservations.js';
import { StreamRunner } from '../shared/stream-runner.js';
import { CreateCustomerCommand, CreateCustomerHandler } from '../use-cases/create-customer/create-customer.handler.js';
import type { CreateCustomerDto } from '../use-cases/create-customer/create-customer.dto.js';
import { CreatePartnerCommand, CreatePartnerHandler } from '../use-cases/create-partner/create-partner.handler.js';
import type { CreatePartnerDto } from '../use-cases/create-partner/create-partner.dto.js';
import { Attributor } from '../use-cases/create-transaction/attribute.js';
import { CreateTransactionCommand, CreateTransactionHandler } from '../use-cases/create-transaction/create-transaction.handler.js';
import type { CreateTransactionDto } from '../use-cases/create-transaction/create-transaction.dto.js';

type PartnerResponse = Awaited<ReturnType<CreatePartnerHandler['execute']>>;
type CustomerResponse = Awaited<ReturnType<CreateCustomerHandler['execute']>>;
type TransactionResponse = Awaited<ReturnType<CreateTransactionHandler['execute']>>;

/**
 * The API's own command handlers, as an incoming webhook uses them: for real through the
 * CommandBus, or over a DryRunEventStore for the test URL's dry run and the production URL's
 * pre-check. Either way the same handler code decides.
 */
export interface CommandPorts {
  lookups: Lookups;
  createPartner(programId: string, body: CreatePartnerDto, ctx: CommandContext): Promise<PartnerResponse>;
  createCustomer(programId: string, body: CreateCustomerDto, ctx: CommandContext): Promise<CustomerResponse>;
  createTransaction(programId: string, body: CreateTransactionDto, ctx: CommandContext): Promise<TransactionResponse>;
}

export function realPorts(commands: CommandBus, lookups: Lookups): CommandPorts {
  return {
    lookups,
    createPartner: (pid, body, ctx) => commands.execute(new CreatePartnerCommand(pid, body, ctx)),
    createCustomer: (pid, body, ctx) => commands.execute(new CreateCustomerCommand(pid, body, ctx)),
    createTransaction: (pid, body, ctx) => commands.execute(new CreateTransactionCommand(pid, body, ctx)),
  };
}

/** Handlers wired by hand over a store that writes nowhere; `store.events` is what they appended. */
export function dryRunPorts(base: EventStore): { ports: CommandPorts; store: DryRunEventStore } {
  const store = new DryRunEventStore(base);
  const runner = new StreamRunner(store);
  const lookups = new Lookups(runner);
  const reservations = new Reservations(runner);
  const partners = new CreatePartnerHandler(runner, lookups, reservations);
  const customers = new CreateCustomerHandler(runner, lookups, reservations);
  const transactions = new CreateTransactionHandler(runner, lookups, new Attributor(lookups));
  return {
    store,
    ports: {
      lookups,
      createPartner: (pid, body, ctx) => partners.execute(new CreatePartnerCommand(pid, body, ctx)),
      createCustomer: (pid, body, ctx) => customers.execute(new CreateCustomerCommand(pid, body, ctx)),
      createTransaction: (pid, body, ctx) => transactions.execute(new CreateTransactionCommand(pid, body, ctx)),
    },
  };
}
