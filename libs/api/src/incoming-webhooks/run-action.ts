import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import { DomainError, normalizeEmail, type AmountInput } from '@partner-ledger/domain';
import type { Extracted, Mapping } from '@partner-ledger/webhooks';
import type { CommandContext } from '../shared/command-context.js';
import type { Customer, Partner } from '../shared/lookups.js';
import { CreateCustomerCommand } from '../use-cases/create-customer/create-customer.command.js';
import { CreateCustomerDto } from '../use-cases/create-customer/create-customer.dto.js';
import { CreatePartnerCommand } from '../use-cases/create-partner/create-partner.command.js';
import { CreatePartnerDto } from '../use-cases/create-partner/create-partner.dto.js';
import { CreateTransactionCommand } from '../use-cases/create-transaction/create-transaction.command.js';
import { CreateTransactionDto } from '../use-cases/create-transaction/create-transaction.dto.js';
import type { CommandPorts } from './command-ports.js';

export interface ActionOutcome {
  /** True when anything new was written (or, in a dry run, would be). */
  created: boolean;
  result: Record<string, unknown>;
  /** Global position of the last event written, when anything was. */
  position: string | null;
}

/** Handler field (DTO property) → the target field of the mapping it came from. */
type FieldMap = Record<string, string>;

/**
 * Runs one mapped action through the API's command handlers. Re-sent payloads are no-ops: an
 * entity found by the identifiers in the payload is answered, not created again, and a transaction
 * key already recorded replays. Identifiers that point at two different entities are refused
 * (409), since answering either one would be a guess.
 */
export async function runAction(ports: CommandPorts, programId: string, mapping: Mapping, values: Extracted, ctx: CommandContext): Promise<ActionOutcome> {
  const pathOf = (field: string) => mapping.fields[field];
  const step = async <T>(fields: FieldMap, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw asProblem(error, fields, pathOf);
    }
  };
  const text = (field: string) => values[field] as string | undefined;
  await ports.lookups.requireProgram(programId);

  switch (mapping.action) {
    case 'create_partner': {
      const fields = { email: 'email', name: 'name', id: 'partnerId', key: 'partnerKey', referringPartnerKey: 'referringPartnerKey' };
      const body = { email: text('email'), name: text('name'), id: text('partnerId'), key: text('partnerKey'), referringPartnerKey: text('referringPartnerKey') };
      await checkDto(CreatePartnerDto, body, fields, pathOf);
      const find = () => findPartner(ports, programId, { id: body.id, key: body.key, email: body.email }, pathOf);
      const existing = await find();
      if (existing) return { created: false, result: { partner: partnerRef(existing) }, position: null };
      let created;
      try {
        created = (await step(fields, () => ports.createPartner(new CreatePartnerCommand({ programId, ...(body as { email: string; name: string }), ctx })))).body;
      } catch (error) {
        // Lost a race with a concurrent copy of this payload: answer what the winner created.
        const winner = isConflict(error) ? await find() : null;
        if (winner) return { created: false, result: { partner: partnerRef(winner) }, position: null };
        throw error;
      }
      return { created: true, result: { partner: { id: created.id, key: created.key, email: created.email, name: created.name, status: created.status } }, position: created.position };
    }

    case 'create_customer': {
      const partnerField = (['partnerKey', 'partnerId', 'partnerEmail'] as const).find((f) => values[f] !== undefined);
      const referringField = (['referringCustomerKey', 'referringCustomerId', 'referringCustomerEmail'] as const).find((f) => values[f] !== undefined);
      const refOf = (field: string | undefined) => field && { [field.replace(/^(partner|referringCustomer)/, '').toLowerCase()]: text(field) };
      const fields: FieldMap = { email: 'email', name: 'name', key: 'customerKey' };
      if (partnerField) fields.partner = partnerField;
      if (referringField) fields.referringCustomer = referringField;
      const body = { email: text('email'), name: text('name'), key: text('customerKey'), partner: refOf(partnerField), referringCustomer: refOf(referringField) };
      await checkDto(CreateCustomerDto, body, fields, pathOf);
      const ids = { key: body.key, email: body.email };
      const find = () => findCustomer(ports, programId, ids, { key: 'customerKey', email: 'email' }, pathOf);
      const existing = await find();
      if (existing) return { created: false, result: { customer: customerRef(existing) }, position: null };
      let created;
      try {
        created = (await step(fields, () => ports.createCustomer(new CreateCustomerCommand({ programId, ...(body as { email: string; name: string }), ctx })))).body;
      } catch (error) {
        const winner = isConflict(error) ? await find() : null;
        if (winner) return { created: false, result: { customer: customerRef(winner) }, position: null };
        throw error;
      }
      return {
        created: true,
        result: { customer: { id: created.id, key: created.key, email: created.email, name: created.name, partnerId: created.partnerId } },
        position: created.position,
      };
    }

    case 'create_transaction': {
      const txFields = { amount: 'amount', key: 'transactionKey', customerKey: 'customerKey', productId: 'productId', productType: 'productType', partnerKey: 'partnerKey' };
      const customerFields: FieldMap = { email: 'customerEmail', name: 'customerName', key: 'customerKey', partner: 'partnerKey' };
      const txBody = (customerKey: string) => ({
        customerKey,
        amount: values.amount,
        key: text('transactionKey'),
        productId: text('productId'),
        productType: text('productType'),
        partnerKey: text('partnerKey'),
      });
      // Checked before the customer is created, so a bad amount or key leaves no customer behind.
      await checkDto(CreateTransactionDto, txBody(text('customerKey') ?? 'placeholder'), txFields, pathOf);

      let customer = await findCustomer(ports, programId, { key: text('customerKey'), email: text('customerEmail') }, { key: 'customerKey', email: 'customerEmail' }, pathOf, {
        keyWins: true,
      });
      let customerCreated = false;
      let position: string | null = null;
      if (!customer) {
        const email = text('customerEmail');
        if (email === undefined) {
          const path = pathOf('customerKey');
          throw new DomainError('unprocessable', 'customer_not_found', `no customer has the key ${text('customerKey')}, and no customerEmail was given to create one`, undefined, [
            { field: 'customerKey', path, reason: `${path} names no customer of this program; bind customerEmail to create customers on the way` },
          ]);
        }
        const body = { email, name: text('customerName') ?? email, key: text('customerKey'), partner: text('partnerKey') === undefined ? undefined : { key: text('partnerKey') } };
        await checkDto(CreateCustomerDto, body, customerFields, pathOf);
        try {
          const created = (await step(customerFields, () => ports.createCustomer(new CreateCustomerCommand({ programId, ...body, ctx })))).body;
          customerCreated = true;
          position = created.position;
          customer = { customerId: created.id, key: created.key } as Customer;
        } catch (error) {
          customer = isConflict(error) ? await findCustomer(ports, programId, { key: body.key, email }, { key: 'customerKey', email: 'customerEmail' }, pathOf, { keyWins: true }) : null;
          if (!customer) throw error;
        }
      }
      const recorded = await step(txFields, () =>
        ports.createTransaction(new CreateTransactionCommand({ programId, ...(txBody(customer.key) as { customerKey: string; amount: AmountInput }), ctx })),
      );
      const transaction = recorded.body;
      return {
        created: customerCreated || !recorded.replayed,
        result: {
          customer: { id: customer.customerId, key: customer.key, created: customerCreated },
          transaction: { key: transaction.key, amount: transaction.amount, currency: transaction.currency, created: !recorded.replayed, conversion: transaction.conversion },
        },
        position: recorded.replayed ? position : transaction.position,
      };
    }
  }
}

const isConflict = (error: unknown) => error instanceof DomainError && error.kind === 'conflict';

const partnerRef = (p: Partner) => ({ id: p.partnerId, key: p.key, email: p.email, name: p.name, status: p.status });
const customerRef = (c: Customer) => ({ id: c.customerId, key: c.key, email: c.email, name: c.name, partnerId: c.partnerId });

/**
 * The partner these identifiers name, or null when none does. Found by one identifier, the others
 * given must agree with it: a payload whose email belongs to one partner and whose key to another
 * is not a re-send.
 */
async function findPartner(ports: CommandPorts, pid: string, ids: { id?: string; key?: string; email?: string }, pathOf: (f: string) => string | undefined): Promise<Partner | null> {
  const lookups = ports.lookups;
  const tries: [string, string | undefined, () => Promise<Partner | null>][] = [
    ['partnerId', ids.id, () => lookups.partner(pid, ids.id!)],
    ['partnerKey', ids.key, () => lookups.partnerBy(pid, { key: ids.key })],
    ['email', ids.email, () => lookups.partnerBy(pid, { email: ids.email })],
  ];
  for (const [foundBy, value, look] of tries) {
    if (value === undefined) continue;
    const partner = await look();
    if (!partner) continue;
    const mismatch =
      (ids.id !== undefined && ids.id !== partner.partnerId && 'partnerId') ||
      (ids.key !== undefined && ids.key !== partner.key && 'partnerKey') ||
      (ids.email !== undefined && normalizeEmail(ids.email) !== partner.email && 'email');
    if (mismatch) throw mismatchProblem('partner', partner.partnerId, foundBy, mismatch, pathOf);
    return partner;
  }
  return null;
}

/**
 * The customer these identifiers name, or null. With `keyWins` (a sale), a customer found by key is
 * the buyer even if the email differs (people change emails); a key that names nobody while the
 * email belongs to a customer with another key is a contradiction.
 */
async function findCustomer(
  ports: CommandPorts,
  pid: string,
  ids: { key?: string; email?: string },
  names: { key: string; email: string },
  pathOf: (f: string) => string | undefined,
  options: { keyWins?: boolean } = {},
): Promise<Customer | null> {
  const lookups = ports.lookups;
  if (ids.key !== undefined) {
    const byKey = await lookups.customerBy(pid, { key: ids.key });
    if (byKey) {
      if (!options.keyWins && ids.email !== undefined && normalizeEmail(ids.email) !== byKey.email) {
        throw mismatchProblem('customer', byKey.customerId, names.key, names.email, pathOf);
      }
      return byKey;
    }
  }
  if (ids.email !== undefined) {
    const byEmail = await lookups.customerBy(pid, { email: ids.email });
    if (byEmail) {
      if (ids.key !== undefined && ids.key !== byEmail.key) throw mismatchProblem('customer', byEmail.customerId, names.email, names.key, pathOf);
      return byEmail;
    }
  }
  return null;
}

function mismatchProblem(entity: string, id: string, foundBy: string, field: string, pathOf: (f: string) => string | undefined) {
  const reason = `${foundBy} (${pathOf(foundBy)}) names the existing ${entity} ${id}, whose ${field} differs from ${pathOf(field)}`;
  return new DomainError('conflict', `${entity}_identifiers_conflict`, reason, undefined, [{ field, path: pathOf(field), reason }]);
}

/** The API's own DTO rules (lengths, types), reported against the mapped field and its path. */
async function checkDto(dto: new () => object, body: Record<string, unknown>, fields: FieldMap, pathOf: (f: string) => string | undefined): Promise<void> {
  const defined = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
  const errors = await validate(plainToInstance(dto, defined), { forbidUnknownValues: false });
  if (errors.length === 0) return;
  const issues = flatten(errors).map(({ property, reason }) => {
    const field = fields[property.split('.')[0]] ?? property;
    const path = pathOf(field);
    return { field, path, reason: `${reason} (from ${path})` };
  });
  throw new DomainError('unprocessable', 'invalid_value', issues.map((i) => `${i.field}: ${i.reason}`).join('; '), undefined, issues);
}

function flatten(errors: ValidationError[], prefix = ''): { property: string; reason: string }[] {
  return errors.flatMap((e) => [...Object.values(e.constraints ?? {}).map((reason) => ({ property: prefix + e.property, reason })), ...flatten(e.children ?? [], `${prefix}${e.property}.`)]);
}

/**
 * A handler's refusal, renamed to the mapping's field and path. A payload's values are not the
 * sender's request syntax: a refused value is "unprocessable", not a malformed request, so the
 * validation kind becomes unprocessable; every other kind keeps its own.
 */
function asProblem(error: unknown, fields: FieldMap, pathOf: (f: string) => string | undefined): unknown {
  if (!(error instanceof DomainError)) return error;
  const field = error.field === undefined ? undefined : (fields[error.field] ?? error.field);
  const path = field && pathOf(field);
  const detail = path ? `${error.message} (${field} from ${path})` : error.message;
  const kind = error.kind === 'validation' ? 'unprocessable' : error.kind;
  return new DomainError(kind, error.code, detail, undefined, field ? [{ field, path, reason: error.message }] : undefined);
}
