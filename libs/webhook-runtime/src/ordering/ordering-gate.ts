import { type Delivery, type Outcome, planRetry } from '@partner-ledger/bus';
import type { ReadStore } from '@partner-ledger/read-store';
import { partnerOfPayload } from '@partner-ledger/webhooks';
import type { WebhookEndpoint } from '../endpoints/endpoint-repository.js';
import { PartnerMessages, sequenceOfPayload } from './partner-messages.js';

/** How soon a held-back delivery looks again while the one ahead of it is in flight or due now. */
export const HELD_BACK_RECHECK_MS = 200;
/** The longest a held-back delivery waits before looking again (the one ahead waits for a long retry step). */
export const HELD_BACK_MAX_WAIT_MS = 30_000;

/**
 * Ordered delivery per partner, in the delivery workers, on either bus. A lane is an (endpoint,
 * partner); its messages are numbered by the publisher (sequencer.ts), which records each one of
 * an ordered endpoint as `open` in the read store before the bus has it. A delivery goes out only
 * when no open message of its lane has a lower sequence; otherwise it is deferred (the bus hands
 * the same attempt out again later, its retries untouched) until that one is delivered or
 * dead-lettered. So one lane has one delivery in flight at a time, across any number of workers
 * and processes, in sequence order, and a failing delivery holds back its own partner only: the
 * bus keeps handing out every other lane's messages.
 *
 * At least once still holds: a worker that crashes after the POST but before recording the
 * outcome sends that delivery again later, possibly after the lane has moved on (same
 * `webhook-id`: receivers deduplicate). A resend of a delivered or dead one does not reopen it.
 */
export class OrderingGate {
  private readonly messages: PartnerMessages;

  constructor(
    store: ReadStore,
    private readonly retrySchedule: readonly number[],
  ) {
    this.messages = new PartnerMessages(store);
  }

  /** A `defer` outcome while an earlier open message of the delivery's lane exists; null: send it. */
  async hold(endpoint: WebhookEndpoint, facts: BodyFacts): Promise<Outcome | null> {
    if (endpoint.ordering !== 'partner') return null;
    const lane = laneOf(facts);
    if (!lane) return null;
    const head = await this.messages.head(endpoint.id, lane.partnerId);
    if (!head || head.sequence >= lane.sequence) return null;
    // Wake up just after the next attempt of the one ahead is due (or soon, while it is in flight).
    const due = head.retryAt === null ? 0 : head.retryAt - Date.now();
    const delayMs = Math.min(HELD_BACK_MAX_WAIT_MS, Math.max(HELD_BACK_RECHECK_MS, due + HELD_BACK_RECHECK_MS));
    return { kind: 'defer', delayMs, reason: `held back behind sequence ${head.sequence} of partner ${lane.partnerId}` };
  }

  /**
   * After an attempt: a delivered or dead-lettered message leaves its lane (the next one may go);
   * a retried one notes when it is due again, for the deliveries waiting behind it.
   */
  async settle(delivery: Delivery, facts: BodyFacts, outcome: Outcome): Promise<void> {
    if (outcome.kind === 'defer') return;
    if (!laneOf(facts)) return;
    const message = await this.messages.get(delivery.endpointId, delivery.messageId);
    if (!message?.open) return;
    if (outcome.kind === 'retry') {
      const plan = planRetry(this.retrySchedule, delivery.retryStep, outcome.notBeforeMs);
      if (plan.kind !== 'exhausted') return this.messages.update(message, { open: true, retryAt: Date.now() + plan.delayMs });
    }
    await this.messages.update(message, { open: false, retryAt: null });
  }
}

/**
 * What the delivery worker reads from a body: the partner it is about (kept in the delivery log)
 * and its number in that partner's lane (ordered endpoints). One parse per delivery, taken by the
 * gate and the log alike; a body that is not JSON has neither.
 */
export interface BodyFacts {
  partnerId: string | null;
  sequence: number | null;
}

export function bodyFactsOf(delivery: Pick<Delivery, 'topic' | 'body'>): BodyFacts {
  let parsed: unknown;
  try {
    parsed = JSON.parse(delivery.body);
  } catch {
    return { partnerId: null, sequence: null };
  }
  return { partnerId: partnerOfPayload(delivery.topic, parsed), sequence: sequenceOfPayload(parsed) };
}

function laneOf({ partnerId, sequence }: BodyFacts): { partnerId: string; sequence: number } | null {
  return partnerId !== null && sequence !== null ? { partnerId, sequence } : null;
}
