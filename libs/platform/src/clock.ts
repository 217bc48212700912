/**
 * The one source of "now" for decisions that depend on time (a sale's plan and hold, whether a
 * hold has passed, when the auto-approver looks). Injected through Nest under `CLOCK`, provided
 * once by `PlatformModule` (global), the system clock unless the app is started with another: tests
 * pass a clock they move instead of waiting. The domain never reads a clock; handlers put `now` in
 * the command.
 */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = { now: () => new Date() };
