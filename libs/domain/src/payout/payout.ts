import type { Actor } from '../actor.js';
import type { Decider, DomainEvent } from '../decider.js';
import { conflict, notFound } from '../errors.js';
import { assertNever } from '../exhaustive.js';
import type { StoredMinor } from '../money/minor-sum.js';
import { optionalText } from '../validation.js';
import { type PayableLine, type PayoutItem, type PayoutRequest, planPayout } from './payout-plan.js';

export type PayoutStatus = 'DRAFT' | 'PAID' | 'CANCELLED';

export type PayoutCreated = DomainEvent<
  'PayoutCreated',
  { programId: string; payoutId: string; currency: string; upTo: string; createdAt: string; createdBy: Actor; items: PayoutItem[]; totalMinor: StoredMinor }
>;
/** What every payout event carries: the batch as created, so a fold of any one of them needs no other. */
export type PayoutBatch = PayoutCreated['data'];
/** Carries the batch again so a fold of this one event knows what was paid to whom. */
export type PayoutPaid = DomainEvent<'PayoutPaid', PayoutBatch & { reference: string | null; confirmedBy: Actor; paidAt: string }>;
/** Carries the batch so a fold of this one event knows which commissions are payable again. */
export type PayoutCancelled = DomainEvent<'PayoutCancelled', PayoutBatch & { cancelledAt: string; cancelledBy: Actor }>;
export type PayoutEvent = PayoutCreated | PayoutPaid | PayoutCancelled;

export interface CreatePayout extends PayoutRequest {
  type: 'CreatePayout';
  programId: string;
  payoutId: string;
  /** The program's currency. */
  programCurrency: string;
  now: Date;
  actor: Actor;
  /** Every (conversion, partner) line with something to settle, checked against the streams by the caller. */
  lines: PayableLine[];
}
export interface ConfirmPayout {
  type: 'ConfirmPayout';
  reference?: unknown;
  confirmedBy: Actor;
  now: Date;
}
export interface CancelPayout {
  type: 'CancelPayout';
  now: Date;
  cancelledBy: Actor;
}
export type PayoutCommand = CreatePayout | ConfirmPayout | CancelPayout;

export type PayoutState =
  | { exists: false }
  | {
      exists: true;
      status: PayoutStatus;
      created: PayoutCreated['data'];
      reference: string | null;
      confirmedBy: Actor | null;
      paidAt: string | null;
      cancelledAt: string | null;
      cancelledBy: Actor | null;
    };

/** A payout's stream: `payout-<programId>.<payoutId>`. */
export const payoutStream = (programId: string, payoutId: string) => `payout-${programId}.${payoutId}`;

type ExistingPayout = Extract<PayoutState, { exists: true }>;

function existing(state: PayoutState): ExistingPayout {
  if (!state.exists) throw notFound('payout_not_found', 'payout not found');
  return state;
}

const itemsOf = (state: ExistingPayout): PayoutBatch => state.created;

function decideConfirm(command: ConfirmPayout, state: ExistingPayout): PayoutEvent[] {
  if (state.status === 'CANCELLED') throw conflict('payout_cancelled', 'a cancelled payout cannot be confirmed');
  if (state.status === 'PAID') throw conflict('payout_already_paid', 'this payout is already paid');
  const reference = optionalText(command.reference, 'reference', 200);
  return [{ type: 'PayoutPaid', data: { ...itemsOf(state), reference, confirmedBy: command.confirmedBy, paidAt: command.now.toISOString() } }];
}

/** Cancelling a cancelled payout decides nothing, so a retried cancel can finish releasing its claims. */
function decideCancel(command: CancelPayout, state: ExistingPayout): PayoutEvent[] {
  if (state.status === 'PAID') throw conflict('payout_already_paid', 'a paid payout cannot be cancelled');
  if (state.status === 'CANCELLED') return [];
  return [{ type: 'PayoutCancelled', data: { ...itemsOf(state), cancelledAt: command.now.toISOString(), cancelledBy: command.cancelledBy } }];
}

function decideCreate(command: CreatePayout, state: PayoutState): PayoutEvent[] {
  if (state.exists) throw conflict('payout_exists', `payout ${command.payoutId} exists`);
  const plan = planPayout(command, command.programCurrency, command.now, command.lines);
  return [
    {
      type: 'PayoutCreated',
      data: {
        programId: command.programId,
        payoutId: command.payoutId,
        currency: plan.currency,
        upTo: plan.upTo,
        createdAt: command.now.toISOString(),
        createdBy: command.actor,
        items: plan.items,
        totalMinor: plan.totalMinor,
      },
    },
  ];
}

export const payoutDecider: Decider<PayoutCommand, PayoutEvent, PayoutState> = {
  initialState: () => ({ exists: false }),
  decide(command, state) {
    switch (command.type) {
      case 'CreatePayout':
        return decideCreate(command, state);
      case 'ConfirmPayout':
        return decideConfirm(command, existing(state));
      case 'CancelPayout':
        return decideCancel(command, existing(state));
      default:
        return assertNever(command);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'PayoutCreated':
        return { exists: true, status: 'DRAFT', created: event.data, reference: null, confirmedBy: null, paidAt: null, cancelledAt: null, cancelledBy: null };
      case 'PayoutPaid':
        return state.exists ? { ...state, status: 'PAID', reference: event.data.reference, confirmedBy: event.data.confirmedBy, paidAt: event.data.paidAt } : state;
      case 'PayoutCancelled':
        return state.exists ? { ...state, status: 'CANCELLED', cancelledAt: event.data.cancelledAt, cancelledBy: event.data.cancelledBy } : state;
      default:
        return assertNever(event);
    }
  },
};
