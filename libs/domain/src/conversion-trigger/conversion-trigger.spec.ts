import { describe, expect, it } from '@jest/globals';
import type { PartnerSnapshot, PartnerStatus } from '../partner/partner.js';
import { DeciderSpecification } from '../testing/decider-specification.js';
import { type ConversionTriggerCreated, conversionTriggerDecider, type CreateConversionTrigger, normalizeTrigger, TRIGGER_TYPES, triggerStream } from './conversion-trigger.js';

const spec = DeciderSpecification.for(conversionTriggerDecider);

const partner = (status: PartnerStatus = 'ACTIVE', partnerId = 'par_1'): PartnerSnapshot => ({ partnerId, status, referringPartnerId: null });

const create = (overrides: Partial<CreateConversionTrigger> = {}): CreateConversionTrigger => ({
  type: 'CreateConversionTrigger',
  programId: 'prg_1',
  triggerId: 'trg_1',
  triggerType: 'COUPON',
  trigger: ' summer10 ',
  partner: partner(),
  ...overrides,
});

const created = (overrides: Partial<ConversionTriggerCreated['data']> = {}): ConversionTriggerCreated => ({
  type: 'ConversionTriggerCreated',
  data: { programId: 'prg_1', triggerId: 'trg_1', partnerId: 'par_1', type: 'COUPON', trigger: 'SUMMER10', ...overrides },
});

describe('trigger stream and normalisation', () => {
  it('derives the stream from program, type and normalised trigger', () => {
    expect(triggerStream('prg_1', 'COUPON', 'SUMMER10')).toBe('trigger-prg_1.COUPON.SUMMER10');
  });

  it('upper-cases coupons, lower-cases emails, keeps SKUs as sent (trimmed)', () => {
    expect(normalizeTrigger('COUPON', ' summer10 ')).toBe('SUMMER10');
    expect(normalizeTrigger('EMAIL', ' Buyer@Example.com ')).toBe('buyer@example.com');
    expect(normalizeTrigger('SKU', ' Sku-42 ')).toBe('Sku-42');
  });
});

describe('CreateConversionTrigger', () => {
  it.each([
    ['COUPON', 'summer10', 'SUMMER10'],
    ['EMAIL', 'Buyer@Example.com', 'buyer@example.com'],
    ['SKU', 'Sku-42', 'Sku-42'],
  ] as const)('creates a %s trigger', (type, trigger, normalized) => {
    spec
      .given([])
      .when(create({ triggerType: type, trigger }))
      .then([created({ type, trigger: normalized })]);
  });

  it.each<PartnerStatus>(['ACTIVE', 'PENDING', 'DISABLED'])('accepts a %s partner', (status) => {
    spec
      .given([])
      .when(create({ partner: partner(status) }))
      .then([created()]);
  });

  it('is a no-op when the trigger already belongs to the same partner', () => {
    spec
      .given([created()])
      .when(create({ triggerId: 'trg_2', trigger: 'Summer10' }))
      .thenNothing();
  });

  it('refuses a trigger owned by another partner', () => {
    spec
      .given([created()])
      .when(create({ partner: partner('ACTIVE', 'par_2') }))
      .thenThrows('trigger_taken', 'conflict', 'trigger');
  });

  it('refuses a missing partner', () => {
    spec
      .given([])
      .when(create({ partner: null }))
      .thenThrows('partner_not_found', 'unprocessable', 'partnerId');
  });

  it('refuses a DENIED partner', () => {
    spec
      .given([])
      .when(create({ partner: partner('DENIED') }))
      .thenThrows('partner_denied', 'unprocessable', 'partnerId');
  });

  it.each([['coupon'], ['LINK'], [undefined]])('refuses type %p', (triggerType) => {
    spec.given([]).when(create({ triggerType })).thenThrows('invalid_trigger_type', 'validation', 'type');
  });

  it.each(
    TRIGGER_TYPES.flatMap(
      (type) =>
        [
          [type, ''],
          [type, '   '],
          [type, 'x'.repeat(129)],
          [type, 42],
        ] as [string, unknown][],
    ),
  )('refuses %s trigger %p', (triggerType, trigger) => {
    spec.given([]).when(create({ triggerType, trigger })).thenThrows('invalid_trigger', 'validation', 'trigger');
  });

  it.each([['COUPON'], ['SKU']])('refuses a %s trigger with spaces or non-ASCII', (triggerType) => {
    spec
      .given([])
      .when(create({ triggerType, trigger: 'SUMMER 10' }))
      .thenThrows('invalid_trigger', 'validation', 'trigger');
    spec
      .given([])
      .when(create({ triggerType, trigger: 'ÉTÉ10' }))
      .thenThrows('invalid_trigger', 'validation', 'trigger');
  });

  it('refuses an EMAIL trigger that is not an email', () => {
    spec
      .given([])
      .when(create({ triggerType: 'EMAIL', trigger: 'nope' }))
      .thenThrows('invalid_email', 'validation', 'trigger');
  });
});
