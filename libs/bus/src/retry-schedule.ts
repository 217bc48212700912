/**
 * The retry ladder, shared by every bus adapter so that both take the same decisions.
 *
 * A schedule lists the waits before each RETRY. The first attempt is always immediate (it happens
 * when the message is published) and is not listed: `5s,5m,30m` means four attempts, at 0, +5 s,
 * +5 min and +30 min, each wait counted from the failure of the attempt before it. A `0` step is an
 * immediate retry. The default (`WEBHOOK_RETRY_SCHEDULE`, see the README's
 * configuration table) is "immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h": ten
 * attempts, about three days of retries before a message is dead-lettered.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEFAULT_RETRY_SCHEDULE: readonly number[] = Object.freeze([
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
]);

/**
 * Jitter multiplies a step's wait by a factor in [1.0, 1.2]: a retry is never EARLIER than its step
 * (so a `Retry-After` mapped onto a step is honoured), at most 20 % later. The SQLite queue draws the
 * factor uniformly; RabbitMQ has one delay queue per factor below (per-queue TTL cannot vary by
 * message without head-of-line blocking) and picks one at random.
 */
export const JITTER_MIN = 1;
export const JITTER_MAX = 1.2;
export const RABBITMQ_JITTER_FACTORS: readonly number[] = Object.freeze([1, 1.1, 1.2]);

/** Longest step: RabbitMQ's `x-message-ttl` is a 32-bit millisecond count (~49.7 days). */
export const MAX_STEP_MS = 30 * DAY;
export const MAX_STEPS = 25;

const UNITS: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY };

export class RetryScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryScheduleError';
  }
}

/**
 * `"0,200ms,5s,5m,1.5h,1d"` → milliseconds. Units: ms, s, m, h, d; a bare number must be 0.
 * Unset, empty or blank → DEFAULT_RETRY_SCHEDULE. `none` → no retries (one attempt, then dead).
 */
export function parseRetrySchedule(text: string | undefined, name = 'WEBHOOK_RETRY_SCHEDULE'): number[] {
  if (text === undefined || text.trim() === '') return [...DEFAULT_RETRY_SCHEDULE];
  if (text.trim().toLowerCase() === 'none') return [];
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length > MAX_STEPS) throw new RetryScheduleError(`${name}: at most ${MAX_STEPS} steps, got ${parts.length}`);
  return parts.map((part, i) => {
    const where = `${name} step ${i + 1} ("${part}")`;
    if (part === '') throw new RetryScheduleError(`${name}: step ${i + 1} is empty (expected e.g. "5s,5m,30m")`);
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(part);
    if (!match) throw new RetryScheduleError(`${where}: expected a number with a unit ms, s, m, h or d, e.g. "5m"`);
    const value = Number(match[1]);
    const unit = match[2]?.toLowerCase();
    if (unit === undefined && value !== 0) throw new RetryScheduleError(`${where}: missing unit (ms, s, m, h or d)`);
    const ms = Math.round(value * UNITS[unit ?? 'ms']);
    if (ms > MAX_STEP_MS) throw new RetryScheduleError(`${where}: longer than the 30-day maximum`);
    return ms;
  });
}

/** 300000 → "5m", 1500 → "1500ms": for logs and the README, not parsed back. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', DAY], ['h', HOUR], ['m', MINUTE], ['s', SECOND]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export type RetryPlan =
  /**
   * Wait `delayMs` × jitter; the message's next ladder index becomes `step + 1`. `overflow`: the
   * requested `notBeforeMs` is longer than every remaining step, so `delayMs` is that request (capped
   * at MAX_STEP_MS) and the ladder is spent after this retry.
   */
  | { kind: 'retry'; step: number; delayMs: number; overflow: boolean }
  | { kind: 'exhausted' };

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
