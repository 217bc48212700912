import type { Clock } from '@partner-ledger/platform';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A clock a test moves instead of waiting for time-based rules. It stands still unless `running`,
 * in which case it also goes on with real time, and `advance` jumps ahead of it (a long history
 * keeps its milliseconds apart, and a hold still passes at once).
 */
export class MovableClock implements Clock {
  private at: number;
  private readonly since = Date.now();

  constructor(
    start: Date = new Date(),
    private readonly options: { running?: boolean } = {},
  ) {
    this.at = start.getTime();
  }

  now(): Date {
    return new Date(this.at + (this.options.running ? Date.now() - this.since : 0));
  }

  advance(ms: number): void {
    this.at += ms;
  }

  advanceDays(days: number): void {
    this.advance(days * DAY_MS);
  }
}
