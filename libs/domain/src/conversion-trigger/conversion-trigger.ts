import type { Decider, DomainEvent } from '../decider.js';
import { conflict, invalid, unprocessable } from '../errors.js';
import { assertNever } from '../exhaustive.js';
import type { PartnerSnapshot } from '../partner/partner.js';
import { assertEmail } from '../validation.js';

export type TriggerType = 'COUPON' | 'EMAIL' | 'SKU';
export const TRIGGER_TYPES: TriggerType[] = ['COUPON', 'EMAIL', 'SKU'];

/**
 * A trigger attributes a sale to a partner without a referral link: a coupon code used at checkout,
 * the buyer's email, or a product SKU. It is unique per program and type; its stream name is
 * derived from the normalised trigger so that uniqueness is a `no_stream` append and lookup at
 * transaction time is one stream read.
 */
export function normalizeTrigger(type: TriggerType, value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > 128) {
    throw invalid('invalid_trigger', 'trigger must be a non-empty string of at most 128 characters', 'trigger');
  }
  if (type === 'EMAIL') return assertEmail(value, 'trigger');
  if (!/^[\x21-\x7e]+$/.test(value.trim())) throw invalid('invalid_trigger', 'trigger must be printable ASCII without spaces', 'trigger');
  // Coupon codes are matched case-insensitively at checkout, as shops treat them.
  return type === 'COUPON' ? value.trim().toUpperCase() : value.trim();
}

export const triggerStream = (programId: string, type: TriggerType, normalized: string) => `trigger-${programId}.${type}.${normalized}`;

export type ConversionTriggerCreated = DomainEvent<'ConversionTriggerCreated', { programId: string; triggerId: string; partnerId: string; type: TriggerType; trigger: string }>;
export type ConversionTriggerEvent = ConversionTriggerCreated;

export interface CreateConversionTrigger {
  type: 'CreateConversionTrigger';
  programId: string;
  triggerId: string;
  triggerType: unknown;
  trigger: unknown;
  /** The partner it attributes to, looked up by the caller; null when it does not exist. */
  partner: PartnerSnapshot | null;
}

export type ConversionTriggerState = { exists: false } | ({ exists: true } & ConversionTriggerCreated['data']);

export function assertTriggerType(value: unknown): TriggerType {
  if (!TRIGGER_TYPES.includes(value as TriggerType)) throw invalid('invalid_trigger_type', `type must be one of ${TRIGGER_TYPES.join(', ')}`, 'type');
  return value as TriggerType;
}

export const conversionTriggerDecider: Decider<CreateConversionTrigger, ConversionTriggerEvent, ConversionTriggerState> = {
  initialState: () => ({ exists: false }),
  decide(command, state) {
    switch (command.type) {
      case 'CreateConversionTrigger': {
        const type = assertTriggerType(command.triggerType);
        const trigger = normalizeTrigger(type, command.trigger);
        if (!command.partner) throw unprocessable('partner_not_found', 'partnerId names no partner of this program', 'partnerId');
        if (command.partner.status === 'DENIED') {
          throw unprocessable('partner_denied', 'a DENIED partner cannot be given a conversion trigger', 'partnerId');
        }
        if (state.exists) {
          if (state.partnerId === command.partner.partnerId) return [];
          throw conflict('trigger_taken', `${type} trigger ${trigger} already belongs to another partner`, 'trigger');
        }
        return [
          {
            type: 'ConversionTriggerCreated',
            data: { programId: command.programId, triggerId: command.triggerId, partnerId: command.partner.partnerId, type, trigger },
          },
        ];
      }
      default:
        return assertNever(command.type);
    }
  },
  evolve(_state, event) {
    switch (event.type) {
      case 'ConversionTriggerCreated':
        return { exists: true, ...event.data };
      default:
        return assertNever(event.type);
    }
  },
};
