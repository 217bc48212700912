import { describe, expect, it } from '@jest/globals';
import { normalizeOutcome } from './outcome.js';
import { JITTER_MAX, JITTER_MIN, jitterFactor, planRetry } from './retry-schedule.js';

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
