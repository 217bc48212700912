import type { Decider, DomainEvent } from '../decider.js';
import { conflict, unprocessable } from '../errors.js';
import { assertNever } from '../exhaustive.js';
import { assertEmail, assertKey, assertName } from '../validation.js';
import type { PartnerSnapshot } from '../partner/partner.js';

export type CustomerCreated = DomainEvent<
  'CustomerCreated',
  {
    programId: string;
    customerId: string;
    key: string;
    email: string;
    name: string;
    partnerId: string | null;
    referringCustomerId: string | null;
  }
>;
export type CustomerEvent = CustomerCreated;

export interface CreateCustomer {
  type: 'CreateCustomer';
  programId: string;
  customerId: string;
  key: string;
  email: unknown;
  name: unknown;
  /** Resolved by the caller from partner {key|id|email}; null when none was given. */
  partner: PartnerSnapshot | null;
  referringCustomerId: string | null;
}
export type CustomerCommand = CreateCustomer;

export type CustomerState = { exists: false } | ({ exists: true } & CustomerCreated['data']);

export const customerStream = (programId: string, customerId: string) => `customer-${programId}.${customerId}`;

export const customerDecider: Decider<CustomerCommand, CustomerEvent, CustomerState> = {
  initialState: () => ({ exists: false }),
  decide(command, state) {
    switch (command.type) {
      case 'CreateCustomer': {
        if (state.exists) throw conflict('customer_exists', `customer ${command.customerId} already exists`, 'id');
        // A customer may be linked to any partner that was not refused: a PENDING or DISABLED partner's
        // referral is still recorded, it just earns nothing while not ACTIVE.
        if (command.partner?.status === 'DENIED') {
          throw unprocessable('partner_denied', 'a customer cannot be linked to a DENIED partner', 'partner');
        }
        if (command.referringCustomerId === command.customerId) {
          throw unprocessable('self_referral', 'a customer cannot refer itself', 'referringCustomer');
        }
        return [
          {
            type: 'CustomerCreated',
            data: {
              programId: command.programId,
              customerId: command.customerId,
              key: assertKey(command.key, 'key'),
              email: assertEmail(command.email, 'email'),
              name: assertName(command.name, 'name'),
              partnerId: command.partner?.partnerId ?? null,
              referringCustomerId: command.referringCustomerId,
            },
          },
        ];
      }
      default:
        return assertNever(command.type);
    }
  },
  evolve(_state, event) {
    switch (event.type) {
      case 'CustomerCreated':
        return { exists: true, ...event.data };
      default:
        return assertNever(event.type);
    }
  },
};
