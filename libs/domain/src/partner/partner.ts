import type { Decider, DomainEvent } from '../decider.js';
import { conflict, invalid, notFound, unprocessable } from '../errors.js';
import { assertNever } from '../exhaustive.js';
import { assertEmail, assertKey, assertName, optionalText } from '../validation.js';

export type PartnerStatus = 'PENDING' | 'ACTIVE' | 'DENIED' | 'DISABLED';
export const PARTNER_STATUSES: PartnerStatus[] = ['PENDING', 'ACTIVE', 'DENIED', 'DISABLED'];

/**
 * Status lifecycle. PENDING is an application under review: it is approved (ACTIVE) or DENIED.
 * An ACTIVE partner can be DISABLED and re-enabled. A DENIED application may be reconsidered
 * (ACTIVE). Nothing goes back to PENDING. Only ACTIVE partners earn on new sales (see transaction).
 */
export const STATUS_TRANSITIONS: Record<PartnerStatus, PartnerStatus[]> = {
  PENDING: ['ACTIVE', 'DENIED'],
  ACTIVE: ['DISABLED'],
  DISABLED: ['ACTIVE'],
  DENIED: ['ACTIVE'],
};

export interface PartnerDetails {
  firstName?: string | null;
  lastName?: string | null;
  company?: string | null;
  address1?: string | null;
  address2?: string | null;
  city?: string | null;
  state?: string | null;
  zip?: string | null;
  country?: string | null;
  phone?: string | null;
  paypalEmail?: string | null;
  customFields?: { name: string; value: string }[];
}
export const DETAIL_FIELDS = ['firstName', 'lastName', 'company', 'address1', 'address2', 'city', 'state', 'zip', 'country', 'phone', 'paypalEmail'] as const;

export interface PartnerSnapshot {
  partnerId: string;
  status: PartnerStatus;
  referringPartnerId: string | null;
}

export type PartnerCreated = DomainEvent<
  'PartnerCreated',
  {
    programId: string;
    partnerId: string;
    key: string;
    email: string;
    name: string;
    status: PartnerStatus;
    referringPartnerId: string | null;
    details: PartnerDetails;
  }
>;
export type PartnerDetailsUpdated = DomainEvent<
  'PartnerDetailsUpdated',
  { programId: string; partnerId: string; changes: { name?: string; email?: string; details?: PartnerDetails }; previousEmail?: string }
>;
export type PartnerStatusChanged = DomainEvent<'PartnerStatusChanged', { programId: string; partnerId: string; from: PartnerStatus; to: PartnerStatus; reason: string | null }>;
export type PartnerEvent = PartnerCreated | PartnerDetailsUpdated | PartnerStatusChanged;

export interface CreatePartner {
  type: 'CreatePartner';
  programId: string;
  partnerId: string;
  key: string;
  email: unknown;
  name: unknown;
  status?: unknown;
  details?: unknown;
  /** Resolved by the caller from referringPartnerKey; null when none was given. */
  referringPartner: PartnerSnapshot | null;
}
export interface UpdatePartnerDetails {
  type: 'UpdatePartnerDetails';
  name?: unknown;
  email?: unknown;
  details?: unknown;
}
export interface ChangePartnerStatus {
  type: 'ChangePartnerStatus';
  status: unknown;
  reason?: unknown;
}
export type PartnerCommand = CreatePartner | UpdatePartnerDetails | ChangePartnerStatus;

export type PartnerState = { exists: false } | ({ exists: true } & PartnerCreated['data']);

export const partnerStream = (programId: string, partnerId: string) => `partner-${programId}.${partnerId}`;

export function assertPartnerStatus(value: unknown, field = 'status'): PartnerStatus {
  if (!PARTNER_STATUSES.includes(value as PartnerStatus)) {
    throw invalid('invalid_status', `${field} must be one of ${PARTNER_STATUSES.join(', ')}`, field);
  }
  return value as PartnerStatus;
}

export function parseDetails(input: unknown, field = 'details'): PartnerDetails {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw invalid('invalid_details', `${field} must be an object`, field);
  const source = input as Record<string, unknown>;
  const out: PartnerDetails = {};
  for (const [name, value] of Object.entries(source)) {
    if (name === 'customFields') continue;
    if (!(DETAIL_FIELDS as readonly string[]).includes(name)) {
      throw invalid('unknown_field', `${field}.${name} is not a partner detail`, `${field}.${name}`);
    }
    (out as Record<string, unknown>)[name] = name === 'paypalEmail' && value ? assertEmail(value, `${field}.${name}`) : optionalText(value, `${field}.${name}`);
  }
  if (source.customFields !== undefined) {
    if (!Array.isArray(source.customFields) || source.customFields.length > 50) {
      throw invalid('invalid_custom_fields', `${field}.customFields must be a list of at most 50 {name, value}`, `${field}.customFields`);
    }
    out.customFields = source.customFields.map((f, i) => ({
      name: assertName((f as { name?: unknown })?.name, `${field}.customFields.${i}.name`, 100),
      value: optionalText((f as { value?: unknown })?.value, `${field}.customFields.${i}.value`, 1000) ?? '',
    }));
  }
  return out;
}

/** Cleared fields and empty lists are absent, so "set to null" on an unset field changes nothing. */
function withoutBlanks(details: PartnerDetails): PartnerDetails {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(details).sort(([a], [b]) => a.localeCompare(b))) {
    if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    out[name] = value;
  }
  return out as PartnerDetails;
}

type ExistingPartner = Extract<PartnerState, { exists: true }>;

function decideCreate(command: CreatePartner, state: PartnerState): PartnerEvent[] {
  if (state.exists) throw conflict('partner_exists', `partner ${command.partnerId} already exists`, 'id');
  const status = command.status === undefined ? 'ACTIVE' : assertPartnerStatus(command.status);
  const referrer = command.referringPartner;
  if (referrer && referrer.partnerId === command.partnerId) {
    throw unprocessable('self_referral', 'a partner cannot refer itself', 'referringPartnerKey');
  }
  // As for customers and triggers: a refused partner brings no one in.
  if (referrer?.status === 'DENIED') {
    throw unprocessable('partner_denied', 'a DENIED partner cannot refer partners', 'referringPartnerKey');
  }
  return [
    {
      type: 'PartnerCreated',
      data: {
        programId: command.programId,
        partnerId: command.partnerId,
        key: assertKey(command.key, 'key'),
        email: assertEmail(command.email, 'email'),
        name: assertName(command.name, 'name'),
        status,
        referringPartnerId: referrer?.partnerId ?? null,
        details: withoutBlanks(parseDetails(command.details)),
      },
    },
  ];
}

function existing(state: PartnerState): ExistingPartner {
  if (!state.exists) throw notFound('partner_not_found', 'partner not found');
  return state;
}

function decideUpdate(command: UpdatePartnerDetails, state: ExistingPartner): PartnerEvent[] {
  const changes: PartnerDetailsUpdated['data']['changes'] = {};
  if (command.name !== undefined) {
    const name = assertName(command.name, 'name');
    if (name !== state.name) changes.name = name;
  }
  if (command.email !== undefined) {
    const email = assertEmail(command.email, 'email');
    if (email !== state.email) changes.email = email;
  }
  if (command.details !== undefined) {
    const details = withoutBlanks({ ...state.details, ...parseDetails(command.details) });
    if (JSON.stringify(details) !== JSON.stringify(withoutBlanks(state.details))) changes.details = details;
  }
  if (Object.keys(changes).length === 0) return [];
  return [
    {
      type: 'PartnerDetailsUpdated',
      data: { programId: state.programId, partnerId: state.partnerId, changes, ...(changes.email ? { previousEmail: state.email } : {}) },
    },
  ];
}

function decideStatus(command: ChangePartnerStatus, state: ExistingPartner): PartnerEvent[] {
  const to = assertPartnerStatus(command.status);
  if (to === state.status) return [];
  if (!STATUS_TRANSITIONS[state.status].includes(to)) {
    throw conflict('invalid_status_transition', `a ${state.status} partner cannot become ${to}`, 'status');
  }
  return [
    {
      type: 'PartnerStatusChanged',
      data: { programId: state.programId, partnerId: state.partnerId, from: state.status, to, reason: optionalText(command.reason, 'reason', 500) },
    },
  ];
}

export const partnerDecider: Decider<PartnerCommand, PartnerEvent, PartnerState> = {
  initialState: () => ({ exists: false }),
  decide(command, state) {
    switch (command.type) {
      case 'CreatePartner':
        return decideCreate(command, state);
      case 'UpdatePartnerDetails':
        return decideUpdate(command, existing(state));
      case 'ChangePartnerStatus':
        return decideStatus(command, existing(state));
      default:
        return assertNever(command);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'PartnerCreated':
        return { exists: true, ...event.data };
      case 'PartnerDetailsUpdated':
        if (!state.exists) return state;
        return { ...state, ...event.data.changes };
      case 'PartnerStatusChanged':
        return state.exists ? { ...state, status: event.data.to } : state;
      default:
        return assertNever(event);
    }
  },
};
