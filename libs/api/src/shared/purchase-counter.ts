import { Inject, Injectable } from '@nestjs/common';
import { type CustomerPurchase, nextPurchase, purchaseCountDecider, type PurchaseCountEvent, purchaseCountStream } from '@partner-ledger/domain';
import type { EventStore } from '@partner-ledger/event-store';
import { type CommandContext, appendWithContext } from './command-context.js';
import { decideWithRetries, RETRY_POLICIES } from './retry-policy.js';
import type { ReadSet } from './stream-cache.js';
import { EVENT_STORE } from './tokens.js';

/**
 * Counts a customer's attributed purchases (`purchases-<pid>.<cid>`), for commission durations.
 *
 * Reads only the stream's last event (it carries the running totals), so a sale costs one short
 * read and one append here whatever the customer's history. The count is appended with the
 * revision read: two purchases at once cannot both be the first; the loser reads again and is the
 * second. `check` decides the sale with the purchase it would be before anything is appended, so a
 * refused sale is never counted.
 *
 * The count is appended before the sale's own events; a crash (or a lost race on the same new
 * transaction key) between the two leaves a purchase counted whose sale was not recorded. A retry
 * of that sale with the same key reuses the count while it is still the customer's last one;
 * otherwise the customer's next purchases count one further than they are (a commission duration
 * then ends one purchase early), which is the cost of not writing two streams atomically.
 */
@Injectable()
export class PurchaseCounter {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /**
   * `reads`: the sale's reads so far (stream-cache.ts). The count's append carries their revisions,
   * so a sale decided on a state that moved is refused before it counts anything; that refusal is
   * the sale's to decide again, not the count's, so it is not retried here.
   */
  async count(
    programId: string,
    customerId: string,
    transactionKey: string,
    at: Date,
    check: (purchase: CustomerPurchase) => void,
    ctx: CommandContext,
    reads?: ReadSet,
  ): Promise<CustomerPurchase> {
    const stream = purchaseCountStream(programId, customerId);
    // Counting commutes with the purchases that raced it: the loser reads the new count and is the next one.
    return decideWithRetries(
      stream,
      async () => {
        const [last] = await this.store.readStream(stream, { direction: 'backwards', fromRevision: 'end', maxCount: 1 });
        const state = last
          ? purchaseCountDecider.evolve(purchaseCountDecider.initialState(), { type: last.type, data: last.data } as PurchaseCountEvent)
          : purchaseCountDecider.initialState();
        const purchase = nextPurchase(state, transactionKey, at);
        check(purchase);
        const events = purchaseCountDecider.decide({ type: 'CountPurchase', programId, customerId, transactionKey, at }, state);
        if (events.length === 0) return purchase;
        await appendWithContext(this.store, stream, events, ctx, { expectedRevision: last ? last.revision : 'no_stream', alsoExpected: reads?.expectations(stream) });
        return purchase;
      },
      () => RETRY_POLICIES.CountPurchase,
      (conflict) => conflict.streamName === stream,
    );
  }
}
