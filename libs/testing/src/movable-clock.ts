import type { Clock } from '@partner-ledger/platform';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A clock that stands still until a test moves it: time-based rules are tested without waiting. */
export class MovableClock implements Clock {
  private at: number;

  constructor(start: Date = new Date()) {
    this.at = start.getTime();
  }

  now(): Date {
    return new Date(this.at);
  }

  advance(ms: number): void {
    this.at += ms;
  }

  advanceDays(days: number): void {
    this.advance(days * DAY_MS);
  }
}
