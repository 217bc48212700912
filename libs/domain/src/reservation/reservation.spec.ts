import { describe, expect, it } from '@jest/globals';
import { DeciderSpecification } from '../testing/decider-specification.js';
import { type Release, type Reserve, RESERVATION_GRACE_MS, reservationDecider, type UniqueKind, uniqueStream, type ValueReleased, type ValueReserved } from './reservation.js';

const spec = DeciderSpecification.for(reservationDecider);

const T0 = new Date('2025-01-01T00:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

const reserve = (overrides: Partial<Reserve> = {}): Reserve => ({
  type: 'Reserve',
  kind: 'partner-key',
  value: 'ADA1',
  ownerId: 'par_1',
  currentOwnerExists: true,
  now: T0,
  field: 'key',
  ...overrides,
});
const release = (ownerId: string): Release => ({ type: 'Release', ownerId });

const reserved = (ownerId = 'par_1', at = T0, kind: UniqueKind = 'partner-key', value = 'ADA1'): ValueReserved => ({
  type: 'ValueReserved',
  data: { kind, value, ownerId, at: at.toISOString() },
});
const released = (ownerId = 'par_1', kind: UniqueKind = 'partner-key', value = 'ADA1'): ValueReleased => ({
  type: 'ValueReleased',
  data: { kind, value, ownerId },
});

describe('unique stream', () => {
  it('names program, kind and value', () => expect(uniqueStream('prg_1', 'partner-email', 'a@b.co')).toBe('unique-prg_1.partner-email.a@b.co'));
});

describe('Reserve', () => {
  it('reserves a free value', () => {
    const { state } = spec.given([]).when(reserve()).then([reserved()]);
    expect(state).toEqual({ ownerId: 'par_1', kind: 'partner-key', value: 'ADA1', at: T0.toISOString() });
  });

  it('reserves a value that was released', () => {
    spec
      .given([reserved('par_0'), released('par_0')])
      .when(reserve({ now: later(1) }))
      .then([reserved('par_1', later(1))]);
  });

  it('is a no-op for the same owner', () => {
    spec
      .given([reserved()])
      .when(reserve({ now: later(RESERVATION_GRACE_MS * 10) }))
      .thenNothing();
  });

  it.each([
    ['partner-key', 'partner_key_taken'],
    ['partner-email', 'partner_email_taken'],
    ['customer-key', 'customer_key_taken'],
    ['customer-email', 'customer_email_taken'],
  ] as const)('refuses a %s held by another live owner with %s', (kind, code) => {
    spec
      .given([reserved('par_0', T0, kind)])
      .when(reserve({ kind, now: later(RESERVATION_GRACE_MS * 10), field: 'email' }))
      .thenThrows(code, 'conflict', 'email');
  });

  it('takes over a dangling reservation: owner stream absent and older than the grace period', () => {
    const { state } = spec
      .given([reserved('par_0')])
      .when(reserve({ currentOwnerExists: false, now: later(RESERVATION_GRACE_MS + 1) }))
      .then([released('par_0'), reserved('par_1', later(RESERVATION_GRACE_MS + 1))]);
    expect(state.ownerId).toBe('par_1');
  });

  it('does not take over a dangling reservation still within the grace period', () => {
    spec
      .given([reserved('par_0')])
      .when(reserve({ currentOwnerExists: false, now: later(1000) }))
      .thenThrows('partner_key_taken', 'conflict', 'key');
    // exactly at the grace period is still fresh
    spec
      .given([reserved('par_0')])
      .when(reserve({ currentOwnerExists: false, now: later(RESERVATION_GRACE_MS) }))
      .thenThrows('partner_key_taken', 'conflict', 'key');
  });

  it('measures the grace period from the latest reservation', () => {
    const takenOver = [reserved('par_0'), released('par_0'), reserved('par_2', later(RESERVATION_GRACE_MS * 5))];
    spec
      .given(takenOver)
      .when(reserve({ currentOwnerExists: false, now: later(RESERVATION_GRACE_MS * 5 + 10) }))
      .thenThrows('partner_key_taken', 'conflict', 'key');
  });
});

describe('Release', () => {
  it('releases a value held by the owner', () => {
    const { state } = spec.given([reserved()]).when(release('par_1')).then([released()]);
    expect(state).toEqual({ ownerId: null });
  });

  it('is a no-op for anyone else, or when nothing is held', () => {
    spec.given([reserved()]).when(release('par_2')).thenNothing();
    spec.given([]).when(release('par_1')).thenNothing();
    spec.given([reserved(), released()]).when(release('par_1')).thenNothing();
  });
});
