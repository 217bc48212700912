/*
 * Durations and the retry ladder as the environment spells them (`0,5s,5m,30m`), read once by
 * loadConfig. The bus takes the parsed milliseconds (see libs/bus retry-schedule.ts for what the
 * ladder means).
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEFAULT_RETRY_SCHEDULE: readonly number[] = Object.freeze([5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 14 * HOUR, 20 * HOUR, 24 * HOUR]);

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
  for (const [unit, size] of [
    ['d', DAY],
    ['h', HOUR],
    ['m', MINUTE],
    ['s', SECOND],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
