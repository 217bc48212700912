import type { Decider, DomainEvent } from '../decider.js';
import { assertNever } from '../exhaustive.js';
import type { CustomerPurchase } from '../program/commission-rules.js';

/**
 * A customer's attributed purchases, counted: what a commission duration (ONE_TIME, MONTHS,
 * PAYMENTS) is measured against. One stream per customer, `purchases-<pid>.<cid>`, apart from the
 * customer's own stream so that loading a customer stays one event however much it buys. Purchases
 * are counted only while the plan in effect has a limited duration (LIFETIME needs no count).
 *
 * Each event carries the running totals (`number`, `firstAt`), so the state is the last event alone:
 * a sale reads this stream backwards by one event, whatever the customer's history. The count is
 * appended with the revision that was read, after the sale was decided and before the sale is
 * appended: of two purchases at once only one can be number n, the other is counted again as n+1.
 */
export type CustomerPurchaseCounted = DomainEvent<'CustomerPurchaseCounted', { programId: string; customerId: string; transactionKey: string; number: number; firstAt: string; at: string }>;
export type PurchaseCountEvent = CustomerPurchaseCounted;

export interface CountPurchase {
  type: 'CountPurchase';
  programId: string;
  customerId: string;
  transactionKey: string;
  at: Date;
}

export type PurchaseCountState = { count: 0 } | { count: number; firstAt: string; last: CustomerPurchase & { transactionKey: string } };

export const purchaseCountStream = (programId: string, customerId: string) => `purchases-${programId}.${customerId}`;

/**
 * The purchase a sale with `transactionKey` would be: the one already counted for that key when it
 * is the last counted (a retried sale whose count was appended but whose transaction was not),
 * else the next.
 */
export function nextPurchase(state: PurchaseCountState, transactionKey: string, at: Date): CustomerPurchase {
  if (state.count === 0) return { number: 1, firstAt: at.toISOString(), at: at.toISOString() };
  const { last, firstAt } = state as Extract<PurchaseCountState, { firstAt: string }>;
  if (last.transactionKey === transactionKey) return { number: last.number, firstAt: last.firstAt, at: last.at };
  return { number: state.count + 1, firstAt, at: at.toISOString() };
}

export const purchaseCountDecider: Decider<CountPurchase, PurchaseCountEvent, PurchaseCountState> = {
  initialState: () => ({ count: 0 }),
  decide(command, state) {
    switch (command.type) {
      case 'CountPurchase': {
        const purchase = nextPurchase(state, command.transactionKey, command.at);
        if (state.count > 0 && purchase.number <= state.count) return [];
        const { programId, customerId, transactionKey } = command;
        return [{ type: 'CustomerPurchaseCounted', data: { programId, customerId, transactionKey, ...purchase } }];
      }
      default:
        return assertNever(command.type);
    }
  },
  evolve(_state, event) {
    switch (event.type) {
      case 'CustomerPurchaseCounted': {
        const { number, firstAt, at, transactionKey } = event.data;
        return { count: number, firstAt, last: { number, firstAt, at, transactionKey } };
      }
      default:
        return assertNever(event.type);
    }
  },
};
