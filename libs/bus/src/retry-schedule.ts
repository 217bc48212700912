/**
 * The retry ladder, shared by every bus adapter so that both take the same decisions.
 *
 * A schedule lists the waits before each RETRY. The first attempt is always immediate (it happens
 * when the message is published) and is not listed: `5s,5m,30m` means four attempts, at 0, +5 s,
 * +5 min and +30 min, each wait counted from the failure of the attempt before it. A `0` step is an
 * immediate retry. The default (`WEBHOOK_RETRY_SCHEDULE`, see the README's
 * configuration table) is "immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h": ten
 * attempts, about three days of retries before a message is dead-lettered. Parsing the variable is
 * configuration (libs/config durations.ts); this file takes the parsed milliseconds.
 */

import { MAX_STEP_MS } from '@partner-ledger/config';

/**
 * Jitter multiplies a step's wait by a factor in [1.0, 1.2]: a retry is never EARLIER than its step
 * (so a `Retry-After` mapped onto a step is honoured), at most 20 % later. The SQLite queue draws the
 * factor uniformly; RabbitMQ has one delay queue per factor below (per-queue TTL cannot vary by
 * message without head-of-line blocking) and picks one at random.
 */
export const JITTER_MIN = 1;
export const JITTER_MAX = 1.2;
export const RABBITMQ_JITTER_FACTORS: readonly number[] = Object.freeze([1, 1.1, 1.2]);

export type RetryPlan =
  /**
   * Wait `delayMs` × jitter; the message's next ladder index becomes `step + 1`. `overflow`: the
   * requested `notBeforeMs` is longer than every remaining step, so `delayMs` is that request (capped
   * at MAX_STEP_MS) and the ladder is spent after this retry.
   */
  { kind: 'retry'; step: number; delayMs: number; overflow: boolean } | { kind: 'exhausted' };

/**
 * What to do after a failed attempt, for a message whose next unused ladder index is `nextStep`.
 * Without `notBeforeMs` it is the next step. With it (a `Retry-After`), the first remaining step at
 * least that long: shorter steps in between are skipped, never shortened. Past the last step:
 * exhausted (the caller dead-letters).
 */
export function planRetry(schedule: readonly number[], nextStep: number, notBeforeMs?: number): RetryPlan {
  if (nextStep >= schedule.length) return { kind: 'exhausted' };
  const wanted = Math.max(0, notBeforeMs ?? 0);
  for (let step = nextStep; step < schedule.length; step++) {
    if (schedule[step] >= wanted) return { kind: 'retry', step, delayMs: schedule[step], overflow: false };
  }
  return { kind: 'retry', step: schedule.length - 1, delayMs: Math.min(wanted, MAX_STEP_MS), overflow: true };
}

/** Uniform in [JITTER_MIN, JITTER_MAX]. */
export function jitterFactor(random: () => number = Math.random): number {
  return JITTER_MIN + (JITTER_MAX - JITTER_MIN) * random();
}
