import { describe, expect, it } from '@jest/globals';
import { normalizeOutcome } from './outcome.js';
import {
  DEFAULT_RETRY_SCHEDULE,
  JITTER_MAX,
  JITTER_MIN,
  RetryScheduleError,
  formatDuration,
  jitterFactor,
  parseRetrySchedule,
  planRetry,
} from './retry-schedule.js';

describe('parseRetrySchedule', () => {
  it('defaults to ten attempts: immediately (the first attempt), then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h', () => {
    expect(DEFAULT_RETRY_SCHEDULE.map(formatDuration)).toEqual(['5s', '5m', '30m', '2h', '5h', '10h', '14h', '20h', '1d']);
    for (const unset of [undefined, '', '   ']) expect(parseRetrySchedule(unset)).toEqual([...DEFAULT_RETRY_SCHEDULE]);
  });

  it('reads ms, s, m, h and d, decimals, spaces and a bare 0', () => {
    expect(parseRetrySchedule('5s,5m,30m')).toEqual([5_000, 300_000, 1_800_000]);
    expect(parseRetrySchedule('0, 200ms ,400MS,1.5h,1d')).toEqual([0, 200, 400, 5_400_000, 86_400_000]);
    expect(parseRetrySchedule('none')).toEqual([]);
  });

  it('rejects what it cannot read, naming the variable and the step', () => {
    const bad: [string, RegExp][] = [
      ['5s,,5m', /WEBHOOK_RETRY_SCHEDULE: step 2 is empty/],
      ['5', /step 1 \("5"\): missing unit/],
      ['5x', /step 1 \("5x"\): expected a number with a unit/],
      ['-5s', /expected a number/],
      ['31d', /30-day maximum/],
      [Array.from({ length: 26 }, () => '1s').join(','), /at most 25 steps/],
    ];
    for (const [text, message] of bad) {
      expect(() => parseRetrySchedule(text)).toThrow(RetryScheduleError);
      expect(() => parseRetrySchedule(text)).toThrow(message);
    }
    expect(() => parseRetrySchedule('x', 'MY_VAR')).toThrow(/^MY_VAR step 1/);
  });
});

describe('planRetry', () => {
  const schedule = [0, 200, 400];

  it('walks the ladder one step per failure, then is exhausted', () => {
    expect(planRetry(schedule, 0)).toEqual({ kind: 'retry', step: 0, delayMs: 0, overflow: false });
    expect(planRetry(schedule, 1)).toEqual({ kind: 'retry', step: 1, delayMs: 200, overflow: false });
    expect(planRetry(schedule, 2)).toEqual({ kind: 'retry', step: 2, delayMs: 400, overflow: false });
    expect(planRetry(schedule, 3)).toEqual({ kind: 'exhausted' });
    expect(planRetry([], 0)).toEqual({ kind: 'exhausted' });
  });

  it('honours notBeforeMs with the first remaining step at least that long (skipping, never shortening)', () => {
    expect(planRetry(schedule, 0, 150)).toEqual({ kind: 'retry', step: 1, delayMs: 200, overflow: false });
    expect(planRetry(schedule, 0, 300)).toEqual({ kind: 'retry', step: 2, delayMs: 400, overflow: false });
    expect(planRetry(schedule, 2, 10)).toEqual({ kind: 'retry', step: 2, delayMs: 400, overflow: false });
  });

  it('past every step: waits exactly notBeforeMs on the last step (capped at 30 days)', () => {
    expect(planRetry(schedule, 1, 900)).toEqual({ kind: 'retry', step: 2, delayMs: 900, overflow: true });
    expect(planRetry(schedule, 0, 90 * 86_400_000)).toMatchObject({ delayMs: 30 * 86_400_000, overflow: true });
    expect(planRetry(schedule, 3, 900)).toEqual({ kind: 'exhausted' });
  });

  it('jitter stays within [1, 1.2]: never earlier than the step', () => {
    expect(jitterFactor(() => 0)).toBe(JITTER_MIN);
    expect(jitterFactor(() => 0.999999)).toBeCloseTo(JITTER_MAX, 5);
    for (let i = 0; i < 1000; i++) {
      const f = jitterFactor();
      expect(f).toBeGreaterThanOrEqual(1);
      expect(f).toBeLessThanOrEqual(1.2);
    }
  });
});

describe('normalizeOutcome', () => {
  it('keeps valid outcomes and turns anything else into a retry', () => {
    expect(normalizeOutcome({ kind: 'ack' })).toEqual({ kind: 'ack' });
    expect(normalizeOutcome({ kind: 'dead', reason: '410' })).toEqual({ kind: 'dead', reason: '410' });
    expect(normalizeOutcome({ kind: 'retry', notBeforeMs: 5000 })).toEqual({ kind: 'retry', notBeforeMs: 5000, reason: undefined });
    expect(normalizeOutcome({ kind: 'retry', notBeforeMs: Number.NaN })).toEqual({ kind: 'retry', notBeforeMs: undefined, reason: undefined });
    expect(normalizeOutcome(undefined)).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/invalid outcome/) });
    expect(normalizeOutcome({ kind: 'nope' } as never)).toMatchObject({ kind: 'retry' });
  });
});
