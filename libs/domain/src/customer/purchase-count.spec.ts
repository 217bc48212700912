import { describe, expect, it } from '@jest/globals';
import { DeciderSpecification } from '../testing/decider-specification.js';
import { type CountPurchase, type CustomerPurchaseCounted, nextPurchase, purchaseCountDecider, purchaseCountStream } from './purchase-count.js';

const spec = DeciderSpecification.for(purchaseCountDecider);
const T1 = new Date('2026-01-10T00:00:00.000Z');
const T2 = new Date('2026-02-10T00:00:00.000Z');

const count = (transactionKey: string, at: Date): CountPurchase => ({ type: 'CountPurchase', programId: 'prg_1', customerId: 'cus_1', transactionKey, at });
const counted = (transactionKey: string, number: number, at: Date, firstAt = T1): CustomerPurchaseCounted => ({
  type: 'CustomerPurchaseCounted',
  data: { programId: 'prg_1', customerId: 'cus_1', transactionKey, number, firstAt: firstAt.toISOString(), at: at.toISOString() },
});

describe('customer purchase count', () => {
  it('has a stream per customer in its own category', () => expect(purchaseCountStream('prg_1', 'cus_1')).toBe('purchases-prg_1.cus_1'));

  it("counts a customer's first attributed purchase as number 1, starting its duration", () => {
    spec
      .given([])
      .when(count('T-1', T1))
      .then([counted('T-1', 1, T1)]);
  });

  it('counts the next purchase on from the last, keeping the first time', () => {
    spec
      .given([counted('T-1', 1, T1)])
      .when(count('T-2', T2))
      .then([counted('T-2', 2, T2)]);
  });

  it('counts a retried sale (same key, last counted) once: it keeps its number and time', () => {
    spec
      .given([counted('T-1', 1, T1)])
      .when(count('T-1', T2))
      .thenNothing();
    expect(nextPurchase(purchaseCountDecider.evolve({ count: 0 }, counted('T-1', 1, T1)), 'T-1', T2)).toEqual({ number: 1, firstAt: T1.toISOString(), at: T1.toISOString() });
  });

  it('needs only the last event: it carries the running totals', () => {
    const state = purchaseCountDecider.evolve({ count: 0 }, counted('T-7', 7, T2));
    expect(nextPurchase(state, 'T-8', T2)).toEqual({ number: 8, firstAt: T1.toISOString(), at: T2.toISOString() });
  });
});
