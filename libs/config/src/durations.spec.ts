import { describe, expect, it } from '@jest/globals';
import { DEFAULT_RETRY_SCHEDULE, RetryScheduleError, formatDuration, parseRetrySchedule } from './durations.js';

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
