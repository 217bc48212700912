import type { Decider, DomainEvent } from '../decider.js';
import { conflict } from '../errors.js';
import { assertNever } from '../exhaustive.js';

/**
 * Write-side uniqueness. Each unique value (a partner's email, a customer's key, …) has a stream of
 * its own; reserving it is an append with an expected revision, so two writers cannot both win.
 * The reservation stream is also the write side's index: `unique-<pid>.partner-key.ABC` names the
 * partner that owns key ABC, without asking a read model.
 *
 * An owner is reserved before its own stream is written; if the process dies in between, the
 * reservation dangles. A dangling reservation (owner stream absent, older than the grace period) is
 * taken over by the next claimant.
 */
/**
 * `payout-line` is not a unique value of an entity but a commission line's n-th settlement, held by
 * the payout that settles it (see `payoutClaimValue`): the same append-once rule keeps a commission
 * in at most one unpaid or paid payout.
 */
export type UniqueKind = 'partner-key' | 'partner-email' | 'customer-key' | 'customer-email' | 'payout-line';

export const RESERVATION_GRACE_MS = 60_000;

export const uniqueStream = (programId: string, kind: UniqueKind, value: string) => `unique-${programId}.${kind}.${value}`;

export type ValueReserved = DomainEvent<'ValueReserved', { kind: UniqueKind; value: string; ownerId: string; at: string }>;
export type ValueReleased = DomainEvent<'ValueReleased', { kind: UniqueKind; value: string; ownerId: string }>;
export type ReservationEvent = ValueReserved | ValueReleased;

export interface Reserve {
  type: 'Reserve';
  kind: UniqueKind;
  value: string;
  ownerId: string;
  /** Whether the current owner's stream exists (looked up by the caller). */
  currentOwnerExists: boolean;
  now: Date;
  /** Which request field the value came from, to name it in a refusal. */
  field: string;
}
export interface Release {
  type: 'Release';
  ownerId: string;
}
export type ReservationCommand = Reserve | Release;

export type ReservationState = { ownerId: string | null; kind?: UniqueKind; value?: string; at?: string };

function decideReserve(command: Reserve, state: ReservationState): ReservationEvent[] {
  const reserved: ValueReserved = {
    type: 'ValueReserved',
    data: { kind: command.kind, value: command.value, ownerId: command.ownerId, at: command.now.toISOString() },
  };
  if (state.ownerId === null) return [reserved];
  if (state.ownerId === command.ownerId) return [];
  const dangling = !command.currentOwnerExists && command.now.getTime() - Date.parse(state.at!) > RESERVATION_GRACE_MS;
  if (!dangling) {
    throw conflict(`${command.kind.replace('-', '_')}_taken`, `${command.field} ${command.value} is already in use`, command.field);
  }
  return [{ type: 'ValueReleased', data: { kind: command.kind, value: command.value, ownerId: state.ownerId } }, reserved];
}

export const reservationDecider: Decider<ReservationCommand, ReservationEvent, ReservationState> = {
  initialState: () => ({ ownerId: null }),
  decide(command, state) {
    switch (command.type) {
      case 'Release':
        if (state.ownerId !== command.ownerId) return [];
        return [{ type: 'ValueReleased', data: { kind: state.kind!, value: state.value!, ownerId: command.ownerId } }];
      case 'Reserve':
        return decideReserve(command, state);
      default:
        return assertNever(command);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'ValueReserved':
        return { ownerId: event.data.ownerId, kind: event.data.kind, value: event.data.value, at: event.data.at };
      case 'ValueReleased':
        return state.ownerId === event.data.ownerId ? { ownerId: null } : state;
      default:
        return assertNever(event);
    }
  },
};
