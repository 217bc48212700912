import type { Consumer, Handler, Outcome } from '../bus.port.js';
import { handlerErrorReason, normalizeOutcome } from '../outcome.js';
import type { Claimed } from './rows.js';
import type { SqliteBus } from './sqlite-bus.js';

/**
 * A polling consumer: claims up to `concurrency` messages, renews their leases every third of the
 * lease while handlers run, records each outcome through the bus, and is woken at once by
 * publishes and retries from its own process.
 */
export class SqliteConsumer implements Consumer {
  readonly ready = Promise.resolve();
  private readonly inFlight = new Map<number, { token: string; done: Promise<void> }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly renewTimer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private pumping = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly bus: SqliteBus,
    private readonly handler: Handler,
    private readonly concurrency: number,
    private readonly onClosed: () => void,
  ) {
    this.unsubscribe = bus.onWake(() => this.schedule(0));
    this.renewTimer = setInterval(() => this.renew(), Math.max(10, Math.floor(bus.leaseMs / 3)));
    this.schedule(0);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearTimeout(this.timer);
      this.unsubscribe();
      // Handlers in flight finish and record their outcomes; unclaimed messages stay for others.
      await Promise.all([...this.inFlight.values()].map((f) => f.done));
      clearInterval(this.renewTimer);
      this.onClosed();
    })();
    return this.closing;
  }

  private schedule(ms: number): void {
    if (this.closing) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), ms);
  }

  private pump(): void {
    if (this.closing || this.pumping || this.bus.isClosed) return;
    this.pumping = true;
    try {
      const free = this.concurrency - this.inFlight.size;
      if (free > 0) {
        for (const claimed of this.bus.claim(free)) this.start(claimed);
      }
      if (this.inFlight.size < this.concurrency) this.schedule(this.bus.nextWakeIn());
    } catch (error) {
      // SQLITE_BUSY beyond busy_timeout, or the file went away: try again later.
      this.bus.logger?.warn({ err: error }, 'bus: claiming failed; retrying');
      this.schedule(this.bus.pollIntervalMs);
    } finally {
      this.pumping = false;
    }
  }

  /** Free slots once `releasing` of the messages in flight are done (their outcomes are being recorded); none once closing. */
  room(releasing: number): number {
    return this.closing || this.bus.isClosed ? 0 : this.concurrency - this.inFlight.size + releasing;
  }

  /** Messages the bus claimed for this consumer in a transaction of its own (a publish, a batch of outcomes). */
  adopt(claimed: Claimed[]): void {
    for (const c of claimed) this.start(c);
  }

  private start(claimed: Claimed): void {
    const done = (async () => {
      let outcome: Outcome;
      try {
        outcome = normalizeOutcome(await this.handler(claimed.delivery));
      } catch (error) {
        this.bus.logger?.warn({ err: error, messageId: claimed.delivery.messageId, endpointId: claimed.delivery.endpointId }, 'bus: handler threw; retrying');
        outcome = { kind: 'retry', reason: handlerErrorReason(error) };
      }
      await this.bus.record(claimed, outcome, this);
    })().finally(() => {
      this.inFlight.delete(claimed.seq);
      this.schedule(0);
    });
    this.inFlight.set(claimed.seq, { token: claimed.token, done });
  }

  private renew(): void {
    if (this.inFlight.size === 0 || this.bus.isClosed) return;
    try {
      this.bus.renew([...this.inFlight].map(([seq, { token }]) => ({ seq, token })));
    } catch (error) {
      this.bus.logger?.warn({ err: error }, 'bus: lease renewal failed');
    }
  }
}
