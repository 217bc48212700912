import { describe, expect, it } from '@jest/globals';
import type { PartnerSnapshot, PartnerStatus } from '../partner/partner.js';
import { DeciderSpecification } from '../testing/decider-specification.js';
import { type CreateCustomer, type CustomerCreated, customerDecider, customerStream } from './customer.js';

const spec = DeciderSpecification.for(customerDecider);

const partner = (status: PartnerStatus): PartnerSnapshot => ({ partnerId: 'par_1', status, referringPartnerId: null });

const create = (overrides: Partial<CreateCustomer> = {}): CreateCustomer => ({
  type: 'CreateCustomer',
  programId: 'prg_1',
  customerId: 'cus_1',
  key: 'C-1',
  email: ' Grace@Example.com ',
  name: ' Grace Hopper ',
  partner: null,
  referringCustomerId: null,
  ...overrides,
});

const created = (overrides: Partial<CustomerCreated['data']> = {}): CustomerCreated => ({
  type: 'CustomerCreated',
  data: {
    programId: 'prg_1',
    customerId: 'cus_1',
    key: 'C-1',
    email: 'grace@example.com',
    name: 'Grace Hopper',
    partnerId: null,
    referringCustomerId: null,
    ...overrides,
  },
});

describe('customer stream', () => {
  it('is category-prefixed by program', () => expect(customerStream('prg_1', 'cus_1')).toBe('customer-prg_1.cus_1'));
});

describe('CreateCustomer', () => {
  it('creates a customer with no partner', () => {
    const { state } = spec.given([]).when(create()).then([created()]);
    expect(state).toEqual({ exists: true, ...created().data });
  });

  it.each<PartnerStatus>(['ACTIVE', 'PENDING', 'DISABLED'])('links the customer to a %s partner', (status) => {
    spec
      .given([])
      .when(create({ partner: partner(status) }))
      .then([created({ partnerId: 'par_1' })]);
  });

  it('refuses a DENIED partner', () => {
    spec
      .given([])
      .when(create({ partner: partner('DENIED') }))
      .thenThrows('partner_denied', 'unprocessable', 'partner');
  });

  it('records the referring customer', () => {
    spec
      .given([])
      .when(create({ referringCustomerId: 'cus_0' }))
      .then([created({ referringCustomerId: 'cus_0' })]);
  });

  it('refuses self-referral', () => {
    spec
      .given([])
      .when(create({ referringCustomerId: 'cus_1' }))
      .thenThrows('self_referral', 'unprocessable', 'referringCustomer');
  });

  it('refuses a customer that exists', () => {
    spec.given([created()]).when(create()).thenThrows('customer_exists', 'conflict', 'id');
  });

  it('validates key, email and name', () => {
    spec
      .given([])
      .when(create({ key: 'a b' }))
      .thenThrows('invalid_key', 'validation', 'key');
    spec
      .given([])
      .when(create({ email: 'grace' }))
      .thenThrows('invalid_email', 'validation', 'email');
    spec
      .given([])
      .when(create({ name: '' }))
      .thenThrows('invalid_name', 'validation', 'name');
    spec
      .given([])
      .when(create({ name: 'x'.repeat(201) }))
      .thenThrows('too_long', 'validation', 'name');
  });
});
