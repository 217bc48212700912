/**
 * What an incoming webhook can do, and the fields each action takes (a contract, listed in
 * docs/http-api.md; named after Partnero's incoming-webhook fields: its "Email address",
 * "Partner key"… become `email`, `partnerKey`…).
 */

export const INCOMING_ACTIONS = ['create_partner', 'create_customer', 'create_transaction'] as const;
export type IncomingAction = (typeof INCOMING_ACTIONS)[number];

/** `text`: a string, or a number taken as its decimal spelling; `amount`: "149.99" or 149.99. */
export type TargetKind = 'text' | 'amount';

export interface TargetField {
  name: string;
  kind: TargetKind;
  required: boolean;
  description: string;
}

const text = (name: string, description: string, required = false): TargetField => ({ name, kind: 'text', required, description });

export const ACTION_TARGETS: Record<IncomingAction, readonly TargetField[]> = {
  create_partner: [
    text('email', "Partner's email", true),
    text('name', "Partner's name", true),
    text('partnerId', 'Your own partner id'),
    text('partnerKey', 'Referral key'),
    text('referringPartnerKey', 'Key of the partner who referred this one (multi-tier)'),
  ],
  create_customer: [
    text('email', "Customer's email", true),
    text('name', "Customer's name", true),
    text('customerKey', 'Your own customer id'),
    text('partnerKey', 'Links the customer to the partner with this key'),
    text('partnerId', 'Links the customer to the partner with this id'),
    text('partnerEmail', 'Links the customer to the partner with this email'),
    text('referringCustomerKey', 'Refer-a-friend: key of the referring customer'),
    text('referringCustomerEmail', 'Refer-a-friend: email of the referring customer'),
    text('referringCustomerId', 'Refer-a-friend: id of the referring customer'),
  ],
  create_transaction: [
    { name: 'amount', kind: 'amount', required: true, description: 'Sale amount in the program currency' },
    text('customerKey', 'Which customer made the purchase (customerKey or customerEmail is required)'),
    text('customerEmail', 'Finds the customer by email, or creates one (customerKey or customerEmail is required)'),
    text('customerName', 'Name for a customer created on the way (the email when unbound)'),
    text('transactionKey', 'Your order id: makes re-sends harmless (recommended)'),
    text('productId', 'Product identifier'),
    text('productType', 'e.g. monthly, yearly'),
    text('partnerKey', 'Attributes the sale (and a new customer) to the partner with this key'),
  ],
};

/** Binding-level requirements beyond single required fields: at least one of each group. */
export const ONE_OF: Record<IncomingAction, readonly (readonly string[])[]> = {
  create_partner: [],
  create_customer: [],
  create_transaction: [['customerKey', 'customerEmail']],
};

export const isIncomingAction = (value: unknown): value is IncomingAction => typeof value === 'string' && (INCOMING_ACTIONS as readonly string[]).includes(value);

export const targetOf = (action: IncomingAction, name: string): TargetField | undefined => ACTION_TARGETS[action].find((t) => t.name === name);
