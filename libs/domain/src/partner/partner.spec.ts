import { describe, expect, it } from '@jest/globals';
import { DeciderSpecification } from '../testing/decider-specification.js';
import {
  type ChangePartnerStatus,
  type CreatePartner,
  PARTNER_STATUSES,
  type PartnerCreated,
  partnerDecider,
  type PartnerDetailsUpdated,
  type PartnerStatus,
  type PartnerStatusChanged,
  partnerStream,
  STATUS_TRANSITIONS,
  type UpdatePartnerDetails,
} from './partner.js';

const spec = DeciderSpecification.for(partnerDecider);

const create = (overrides: Partial<CreatePartner> = {}): CreatePartner => ({
  type: 'CreatePartner',
  programId: 'prg_1',
  partnerId: 'par_1',
  key: 'ADA1',
  email: 'Ada@Example.com',
  name: ' Ada Lovelace ',
  referringPartner: null,
  ...overrides,
});

const created = (overrides: Partial<PartnerCreated['data']> = {}): PartnerCreated => ({
  type: 'PartnerCreated',
  data: {
    programId: 'prg_1',
    partnerId: 'par_1',
    key: 'ADA1',
    email: 'ada@example.com',
    name: 'Ada Lovelace',
    status: 'ACTIVE',
    referringPartnerId: null,
    details: {},
    ...overrides,
  },
});

const update = (fields: Omit<UpdatePartnerDetails, 'type'>): UpdatePartnerDetails => ({ type: 'UpdatePartnerDetails', ...fields });
const updated = (changes: PartnerDetailsUpdated['data']['changes'], previousEmail?: string): PartnerDetailsUpdated => ({
  type: 'PartnerDetailsUpdated',
  data: { programId: 'prg_1', partnerId: 'par_1', changes, ...(previousEmail !== undefined && { previousEmail }) },
});
const changeStatus = (status: unknown, reason?: unknown): ChangePartnerStatus => ({ type: 'ChangePartnerStatus', status, reason });
const statusChanged = (from: PartnerStatus, to: PartnerStatus, reason: string | null = null): PartnerStatusChanged => ({
  type: 'PartnerStatusChanged',
  data: { programId: 'prg_1', partnerId: 'par_1', from, to, reason },
});

describe('partner stream', () => {
  it('is category-prefixed by program', () => expect(partnerStream('prg_1', 'par_1')).toBe('partner-prg_1.par_1'));
});

describe('CreatePartner', () => {
  it('creates an ACTIVE partner by default, normalising email and name', () => {
    const { state } = spec.given([]).when(create()).then([created()]);
    expect(state).toMatchObject({ exists: true, status: 'ACTIVE', email: 'ada@example.com' });
  });

  it.each(PARTNER_STATUSES)('creates a partner with an explicit status %s', (status) => {
    spec
      .given([])
      .when(create({ status }))
      .then([created({ status })]);
  });

  it('refuses a DENIED referring partner (a refused partner brings no one in)', () => {
    spec
      .given([])
      .when(create({ referringPartner: { partnerId: 'par_0', status: 'DENIED', referringPartnerId: null } }))
      .thenThrows('partner_denied', 'unprocessable', 'referringPartnerKey');
  });

  it('records the referring partner when it is PENDING, ACTIVE or DISABLED', () => {
    for (const status of PARTNER_STATUSES.filter((s) => s !== 'DENIED')) {
      spec
        .given([])
        .when(create({ referringPartner: { partnerId: 'par_0', status, referringPartnerId: null } }))
        .then([created({ referringPartnerId: 'par_0' })]);
    }
  });

  it('parses details: known fields trimmed, paypalEmail normalised, blank fields dropped, custom fields', () => {
    spec
      .given([])
      .when(
        create({
          details: {
            firstName: ' Ada ',
            city: '',
            paypalEmail: 'PAY@Example.com',
            customFields: [{ name: ' tax id ', value: ' 123 ' }, { name: 'empty' }],
          },
        }),
      )
      .then([
        created({
          details: {
            firstName: 'Ada',
            paypalEmail: 'pay@example.com',
            customFields: [
              { name: 'tax id', value: '123' },
              { name: 'empty', value: '' },
            ],
          },
        }),
      ]);
  });

  it('refuses a partner that exists', () => {
    spec.given([created()]).when(create()).thenThrows('partner_exists', 'conflict', 'id');
  });

  it.each([['active'], ['ARCHIVED'], [null], [1]])('refuses status %p', (status) => {
    spec.given([]).when(create({ status })).thenThrows('invalid_status', 'validation', 'status');
  });

  it('refuses self-referral', () => {
    spec
      .given([])
      .when(create({ referringPartner: { partnerId: 'par_1', status: 'ACTIVE', referringPartnerId: null } }))
      .thenThrows('self_referral', 'unprocessable', 'referringPartnerKey');
  });

  it.each([[''], ['has space'], ['-lead'], ['x'.repeat(129)]])('refuses key %p', (key) => {
    spec.given([]).when(create({ key })).thenThrows('invalid_key', 'validation', 'key');
  });

  it.each([['ada'], [''], [undefined], ['a@b']])('refuses email %p', (email) => {
    spec.given([]).when(create({ email })).thenThrows('invalid_email', 'validation', 'email');
  });

  it('refuses a missing or over-long name', () => {
    spec
      .given([])
      .when(create({ name: ' ' }))
      .thenThrows('invalid_name', 'validation', 'name');
    spec
      .given([])
      .when(create({ name: 'x'.repeat(201) }))
      .thenThrows('too_long', 'validation', 'name');
  });

  it.each([['details'], [[{ firstName: 'Ada' }]], [5]])('refuses details %p that are not an object', (details) => {
    spec.given([]).when(create({ details })).thenThrows('invalid_details', 'validation', 'details');
  });

  it('refuses an unknown detail field', () => {
    spec
      .given([])
      .when(create({ details: { nickname: 'Ada' } }))
      .thenThrows('unknown_field', 'validation', 'details.nickname');
  });

  it('refuses a detail that is not text or too long', () => {
    spec
      .given([])
      .when(create({ details: { city: 5 } }))
      .thenThrows('invalid_text', 'validation', 'details.city');
    spec
      .given([])
      .when(create({ details: { city: 'x'.repeat(201) } }))
      .thenThrows('too_long', 'validation', 'details.city');
  });

  it('refuses a paypalEmail that is not an email', () => {
    spec
      .given([])
      .when(create({ details: { paypalEmail: 'nope' } }))
      .thenThrows('invalid_email', 'validation', 'details.paypalEmail');
  });

  it('refuses bad custom fields', () => {
    spec
      .given([])
      .when(create({ details: { customFields: 'x' } }))
      .thenThrows('invalid_custom_fields', 'validation', 'details.customFields');
    const many = Array.from({ length: 51 }, (_, i) => ({ name: `f${i}`, value: 'v' }));
    spec
      .given([])
      .when(create({ details: { customFields: many } }))
      .thenThrows('invalid_custom_fields', 'validation', 'details.customFields');
    spec
      .given([])
      .when(create({ details: { customFields: [{ value: 'v' }] } }))
      .thenThrows('invalid_name', 'validation', 'details.customFields.0.name');
    spec
      .given([])
      .when(create({ details: { customFields: [{ name: 'n', value: 'x'.repeat(1001) }] } }))
      .thenThrows('too_long', 'validation', 'details.customFields.0.value');
  });
});

describe('UpdatePartnerDetails', () => {
  const withDetails = created({ details: { firstName: 'Ada', city: 'London' } });

  it('changes the name', () => {
    const { state } = spec
      .given([created()])
      .when(update({ name: ' Ada King ' }))
      .then([updated({ name: 'Ada King' })]);
    expect(state).toMatchObject({ name: 'Ada King' });
  });

  it('changes the email and carries the previous one', () => {
    const { state } = spec
      .given([created()])
      .when(update({ email: 'Countess@Example.com' }))
      .then([updated({ email: 'countess@example.com' }, 'ada@example.com')]);
    expect(state).toMatchObject({ email: 'countess@example.com' });
  });

  it('merges details into the existing ones', () => {
    const { state } = spec
      .given([withDetails])
      .when(update({ details: { city: 'Paris', zip: '75001' } }))
      .then([updated({ details: { firstName: 'Ada', city: 'Paris', zip: '75001' } })]);
    expect(state).toMatchObject({ details: { firstName: 'Ada', city: 'Paris', zip: '75001' } });
  });

  it('emits only what changed', () => {
    spec
      .given([withDetails])
      .when(update({ name: 'Ada Lovelace', email: 'new@example.com', details: { city: 'London' } }))
      .then([updated({ email: 'new@example.com' }, 'ada@example.com')]);
  });

  it('is a no-op when nothing changes', () => {
    spec.given([withDetails]).when(update({})).thenNothing();
    spec
      .given([withDetails])
      .when(update({ name: ' Ada Lovelace ', email: 'ADA@example.com' }))
      .thenNothing();
    spec
      .given([withDetails])
      .when(update({ details: { city: 'London' } }))
      .thenNothing();
    spec
      .given([withDetails])
      .when(update({ details: {} }))
      .thenNothing();
    spec
      .given([withDetails])
      .when(update({ details: null }))
      .thenNothing();
    // Clearing what was never set, or an empty custom-field list where there was none, is no change.
    spec
      .given([withDetails])
      .when(update({ details: { company: null, zip: '  ', customFields: [] } }))
      .thenNothing();
    spec
      .given([withDetails])
      .when(update({ details: { city: 'London', firstName: 'Ada' } }))
      .thenNothing(); // key order is irrelevant
  });

  it('applies after earlier updates', () => {
    spec
      .given([withDetails, updated({ details: { firstName: 'Ada', city: 'Paris' } })])
      .when(update({ details: { city: 'Paris' } }))
      .thenNothing();
  });

  it('refuses a missing partner', () => {
    spec
      .given([])
      .when(update({ name: 'Ada' }))
      .thenThrows('partner_not_found', 'not_found');
  });

  it('validates like creation', () => {
    spec
      .given([created()])
      .when(update({ name: '' }))
      .thenThrows('invalid_name', 'validation', 'name');
    spec
      .given([created()])
      .when(update({ email: 'nope' }))
      .thenThrows('invalid_email', 'validation', 'email');
    spec
      .given([created()])
      .when(update({ details: { nickname: 'A' } }))
      .thenThrows('unknown_field', 'validation', 'details.nickname');
    spec
      .given([created()])
      .when(update({ details: [] }))
      .thenThrows('invalid_details', 'validation', 'details');
  });
});

describe('ChangePartnerStatus', () => {
  it('pins the lifecycle table', () => {
    expect(STATUS_TRANSITIONS).toEqual({
      PENDING: ['ACTIVE', 'DENIED'],
      ACTIVE: ['DISABLED'],
      DISABLED: ['ACTIVE'],
      DENIED: ['ACTIVE'],
    });
  });

  const pairs = PARTNER_STATUSES.flatMap((from) => PARTNER_STATUSES.filter((to) => to !== from).map((to) => [from, to] as const));
  const allowed = pairs.filter(([from, to]) => STATUS_TRANSITIONS[from].includes(to));
  const forbidden = pairs.filter(([from, to]) => !STATUS_TRANSITIONS[from].includes(to));

  it.each(allowed)('allows %s → %s', (from, to) => {
    const { state } = spec
      .given([created({ status: from })])
      .when(changeStatus(to))
      .then([statusChanged(from, to)]);
    expect(state).toMatchObject({ status: to });
  });

  it.each(forbidden)('forbids %s → %s', (from, to) => {
    spec
      .given([created({ status: from })])
      .when(changeStatus(to))
      .thenThrows('invalid_status_transition', 'conflict', 'status');
  });

  it.each(PARTNER_STATUSES)('%s → same status is a no-op', (status) => {
    spec
      .given([created({ status })])
      .when(changeStatus(status))
      .thenNothing();
  });

  it('follows the status through earlier changes', () => {
    const history = [created({ status: 'PENDING' }), statusChanged('PENDING', 'ACTIVE'), statusChanged('ACTIVE', 'DISABLED')];
    spec.given(history).when(changeStatus('DISABLED')).thenNothing();
    spec
      .given(history)
      .when(changeStatus('ACTIVE', '  back  '))
      .then([statusChanged('DISABLED', 'ACTIVE', 'back')]);
    spec.given(history).when(changeStatus('PENDING')).thenThrows('invalid_status_transition', 'conflict', 'status');
  });

  it('refuses a bad status or reason', () => {
    spec.given([created()]).when(changeStatus('disabled')).thenThrows('invalid_status', 'validation', 'status');
    spec
      .given([created()])
      .when(changeStatus('DISABLED', 'x'.repeat(501)))
      .thenThrows('too_long', 'validation', 'reason');
    spec.given([created()]).when(changeStatus('DISABLED', 42)).thenThrows('invalid_text', 'validation', 'reason');
  });

  it('refuses a missing partner', () => {
    spec.given([]).when(changeStatus('ACTIVE')).thenThrows('partner_not_found', 'not_found');
  });
});
