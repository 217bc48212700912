import type { EventEmitter } from 'node:events';
import type { EventSubscription, RecordedEvent, SubscribeToAllOptions } from '../event-store.port.js';

interface PageSource {
  readAllSync(options: { fromPosition: bigint | 'start'; maxCount: number; filter?: SubscribeToAllOptions['filter'] }): RecordedEvent[];
  lastPositionSync(): bigint;
  /** Runs `fn` in one read transaction, so its queries see one snapshot of the file. */
  snapshot<T>(fn: () => T): T;
}

const PAGE = 512;

/**
 * Catch-up then live, from one loop: read a page after the last delivered position; when a page
 * comes back empty we are caught up and wait for an append (same process) or a poll tick (another
 * process on the same file). Reading only when the consumer asks gives backpressure for free, and
 * going live is the same query as catching up, so there is no gap and no duplicate to reconcile.
 */
export class SqliteSubscription implements EventSubscription {
  readonly caughtUp: Promise<void>;
  private resolveCaughtUp!: () => void;
  private last: bigint | 'start';
  private buffer: RecordedEvent[] = [];
  private closed = false;
  private wake: (() => void) | null = null;
  private readonly onAppend = () => this.wake?.();

  constructor(
    private readonly source: PageSource,
    private readonly appended: EventEmitter,
    private readonly options: SubscribeToAllOptions,
    private readonly pollIntervalMs: number,
    private readonly onClose: () => void,
  ) {
    this.caughtUp = new Promise((resolve) => (this.resolveCaughtUp = resolve));
    const from = options.fromPosition ?? 'start';
    this.last = from === 'end' ? source.lastPositionSync() : from;
    appended.on('append', this.onAppend);
    // Fetch the first page now, as a server would push it: a subscriber that awaits `caughtUp`
    // before iterating must learn that there is no history to wait for.
    this.fill();
    if (this.buffer.length === 0) this.resolveCaughtUp();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.appended.off('append', this.onAppend);
    this.wake?.();
    this.onClose();
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  private async next(): Promise<IteratorResult<RecordedEvent>> {
    while (!this.closed) {
      const event = this.buffer.shift();
      if (event) return { done: false, value: event };
      this.fill();
      if (this.buffer.length > 0) continue;
      this.resolveCaughtUp();
      await this.waitForAppend();
    }
    return { done: true, value: undefined };
  }

  private fill() {
    const fromPosition = this.last === 'start' ? 'start' : this.last + 1n;
    // One snapshot: another process may append between the two queries, and an event it adds must
    // be neither skipped (by moving `last` past it) nor counted as seen.
    const { page, end } = this.source.snapshot(() => ({
      page: this.source.readAllSync({ fromPosition, maxCount: PAGE, filter: this.options.filter }),
      end: this.source.lastPositionSync(),
    }));
    if (page.length > 0) {
      this.buffer = page;
      this.last = page[page.length - 1].position;
    } else if (this.last === 'start' || end > this.last) {
      // A filtered page can be empty while non-matching events lie beyond `last`: step past them
      // so the next query does not rescan what is known not to match.
      this.last = end;
    }
  }

  private waitForAppend(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.pollIntervalMs);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}
