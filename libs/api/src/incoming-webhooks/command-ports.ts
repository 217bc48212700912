import type { CommandBus } from '@nestjs/cqrs';
import { DryRunEventStore } from '@partner-ledger/event-store';
import type { EventStore } from '@partner-ledger/event-store';
import type { Clock } from '@partner-ledger/platform';
import { Lookups } from '../shared/lookups.js';
import { PurchaseCounter } from '../shared/purchase-counter.js';
import { Reservations } from '../shared/reservations.js';
import { StreamRunner } from '../shared/stream-runner.js';
import { CreateCustomerCommand } from '../use-cases/create-customer/create-customer.command.js';
import { type CreatedCustomer, CreateCustomerHandler } from '../use-cases/create-customer/create-customer.handler.js';
import { CreatePartnerCommand } from '../use-cases/create-partner/create-partner.command.js';
import { type CreatedPartner, CreatePartnerHandler } from '../use-cases/create-partner/create-partner.handler.js';
import { Attributor } from '../use-cases/create-transaction/attribute.js';
import { CreateTransactionCommand } from '../use-cases/create-transaction/create-transaction.command.js';
import { CreateTransactionHandler, type RecordedTransaction } from '../use-cases/create-transaction/create-transaction.handler.js';

/**
 * The API's own command handlers, as an incoming webhook uses them: for real through the
 * CommandBus, or over a DryRunEventStore for the test URL's dry run and the production URL's
 * pre-check. Either way the same handler code decides the same typed commands.
 */
export interface CommandPorts {
  lookups: Lookups;
  createPartner(command: CreatePartnerCommand): Promise<CreatedPartner>;
  createCustomer(command: CreateCustomerCommand): Promise<CreatedCustomer>;
  createTransaction(command: CreateTransactionCommand): Promise<RecordedTransaction>;
}

export function realPorts(commands: CommandBus, lookups: Lookups): CommandPorts {
  return {
    lookups,
    createPartner: (command) => commands.execute<CreatePartnerCommand, CreatedPartner>(command),
    createCustomer: (command) => commands.execute<CreateCustomerCommand, CreatedCustomer>(command),
    createTransaction: (command) => commands.execute<CreateTransactionCommand, RecordedTransaction>(command),
  };
}

/** Handlers wired by hand over a store that writes nowhere; `store.events` is what they appended. */
export function dryRunPorts(base: EventStore, clock: Clock): { ports: CommandPorts; store: DryRunEventStore } {
  const store = new DryRunEventStore(base);
  const runner = new StreamRunner(store);
  const lookups = new Lookups(runner);
  const reservations = new Reservations(runner);
  const partners = new CreatePartnerHandler(runner, lookups, reservations);
  const customers = new CreateCustomerHandler(runner, lookups, reservations);
  const transactions = new CreateTransactionHandler(runner, lookups, new Attributor(lookups), new PurchaseCounter(store), clock);
  return {
    store,
    ports: {
      lookups,
      createPartner: (command) => partners.execute(command),
      createCustomer: (command) => customers.execute(command),
      createTransaction: (command) => transactions.execute(command),
    },
  };
}
