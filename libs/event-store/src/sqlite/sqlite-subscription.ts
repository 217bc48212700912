import type { EventEmitter } from 'node:events';
import type { EventSubscription, RecordedEvent, SubscribeToAllOptions } from '../event-store.port.js';
import { type EventRow, rowMatches, toRecorded } from './event-row.js';

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
 *
 * Live on the connection that appends (the embedded engine's projections), the rows a commit wrote
 * are taken as they are (`take`) instead of being read back: only when they follow `last` with no
 * gap (a group commit's positions are consecutive, and the subscription has seen everything up to
 * `last`), so what it hands out is exactly what the read would have returned; anything else (rows
 * of another connection or process, a buffer already a page long) is left to the read.
 */
export class SqliteSubscription implements EventSubscription {
  readonly caughtUp: Promise<void>;
  private resolveCaughtUp!: () => void;
  private last: bigint | 'start';
  private buffer: RecordedEvent[] = [];
  private closed = false;
  private wake: (() => void) | null = null;
  /** Set by `take`: `last` is the log's end as of the latest signal, so the next read would be empty. */
  private tailKnown = false;
  private readonly onAppend = (position?: bigint) => {
    // An append this subscription did not take (the signal of one it took names `last` itself).
    if (position === undefined || this.last === 'start' || position > this.last) this.tailKnown = false;
    this.wake?.();
  };
  private readonly onRows = (rows: EventRow[]) => this.take(rows);

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
    appended.on('rows', this.onRows);
    // Fetch the first page now, as a server would push it: a subscriber that awaits `caughtUp`
    // before iterating must learn that there is no history to wait for.
    this.fill();
    if (this.buffer.length === 0) this.resolveCaughtUp();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.appended.off('append', this.onAppend);
    this.appended.off('rows', this.onRows);
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
      if (this.tailKnown) this.tailKnown = false;
      else this.fill();
      if (this.buffer.length > 0) continue;
      this.resolveCaughtUp();
      await this.waitForAppend();
    }
    return { done: true, value: undefined };
  }

  /** The rows a commit of this connection just wrote, when they are the next ones (see above). */
  private take(rows: EventRow[]) {
    if (this.closed || this.last === 'start' || this.buffer.length >= PAGE || rows.length === 0) return;
    if (BigInt(rows[0].position) !== this.last + 1n) return;
    const filter = this.options.filter;
    for (const row of rows) if (rowMatches(filter, row)) this.buffer.push(toRecorded(row));
    this.last = BigInt(rows[rows.length - 1].position);
    this.tailKnown = true;
    this.wake?.();
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
