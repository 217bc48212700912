import esdb from '@eventstore/db-client';
import type { AllStreamResolvedEvent, AllStreamSubscription, EventStoreDBClient as Client, Filter, Position } from '@eventstore/db-client';
import { type EventSubscription, type RecordedEvent, type SubscribeToAllOptions, matchesFilter } from '../event-store.port.js';
import { isSystemEvent, serverFilterSpec, toReadPosition, toRecordedEvent } from './mappings.js';

const { streamNameFilter, eventTypeFilter, excludeSystemEvents } = esdb;

const CAUGHT_UP = Symbol('caught-up');
const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** Queue bounds: above HIGH the client stream is paused (gRPC flow control then holds the server). */
export const SUBSCRIPTION_HIGH_WATER = 256;
export const SUBSCRIPTION_LOW_WATER = 64;

/**
 * Wraps the client's catch-up subscription in the port's pull-based iterator.
 *
 * `caughtUp` is a marker placed in the delivery queue, not a flag, so that it resolves only once
 * every history event before it has been handed to the consumer (the SQLite adapter's meaning).
 * Where the marker goes comes from whichever signal arrives first:
 * - the server's `caughtUp` message (>= 23.10 only);
 * - a checkpoint at or after the end of `$all` read at subscribe time (filtered subscriptions,
 *   which ours always are, get one at the end of catch-up on every server version);
 * - a delivered event at or after that end position;
 * - for `fromPosition: 'end'`, the server's confirmation that the subscription exists, so that an
 *   append made after `await caughtUp` cannot fall before the subscription's starting point.
 * Signals raised inside the client's transform refer to the events it had produced so far; those
 * it buffered but we have not received yet are counted with `readableLength`.
 */
export class EventStoreDbSubscription implements EventSubscription {
  readonly caughtUp: Promise<void>;
  private resolveCaughtUp!: () => void;
  private rejectCaughtUp!: (err: Error) => void;
  private readonly subscription: AllStreamSubscription;
  private readonly queue: Array<RecordedEvent | typeof CAUGHT_UP> = [];
  private waiters: Array<() => void> = [];
  /** Raw events received from the client (before our client-side filter). */
  private received = 0;
  private delivered = 0;
  private maxReceivedPosition = -1n;
  private endPosition: bigint | undefined;
  private lastCheckpoint: { position: bigint; at: number } | undefined;
  private caughtUpAt: number | undefined;
  private caughtUpQueued = false;
  private paused = false;
  private failure: Error | undefined;
  private finished = false;
  private closed = false;
  private releasing: Promise<void> | undefined;
  private readonly onData = (resolved: AllStreamResolvedEvent) => this.receive(resolved);

  constructor(
    client: Client,
    private readonly options: SubscribeToAllOptions,
    findEndPosition: () => Promise<bigint | undefined>,
    private readonly onClose: () => void,
  ) {
    this.caughtUp = new Promise<void>((resolve, reject) => {
      this.resolveCaughtUp = resolve;
      this.rejectCaughtUp = reject;
    });
    // A failure is reported through the iterator; nobody is obliged to await caughtUp as well.
    this.caughtUp.catch(() => undefined);

    const from = options.fromPosition ?? 'start';
    this.subscription = client.subscribeToAll({
      fromPosition: toReadPosition(from),
      filter: this.clientFilter(),
    });
    this.subscription.on('data', this.onData);
    this.subscription.on('caughtUp', () => this.caughtUpAfter(this.received + this.subscription.readableLength));
    this.subscription.on('error', (err: Error) => this.fail(err));
    this.subscription.on('end', () => this.fail(new Error('EventStoreDB ended the subscription to $all')));
    this.subscription.on('close', () => this.fail(new Error('the subscription to $all was closed')));

    if (from === 'end') {
      this.subscription.once('confirmation', () => this.caughtUpAfter(this.received + this.subscription.readableLength));
    } else {
      findEndPosition().then(
        (end) => this.onEndPosition(end, from),
        // The server's own signals can still resolve caughtUp; a real outage surfaces on the stream.
        () => undefined,
      );
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return DONE;
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake();
    this.onClose();
    await this.release();
  }

  private async next(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      if (this.closed) return DONE;
      this.settleCaughtUp(true);
      const item = this.queue.shift();
      if (item !== undefined && item !== CAUGHT_UP) {
        this.delivered += 1;
        if (this.paused && this.queue.length <= SUBSCRIPTION_LOW_WATER) {
          this.paused = false;
          this.subscription.resume();
        }
        return { done: false, value: item };
      }
      if (this.failure) {
        const failure = this.failure;
        this.failure = undefined;
        this.finished = true;
        throw failure;
      }
      if (this.finished) return DONE;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private clientFilter(): Filter {
    const checkpointReached = (_: AllStreamSubscription, position: Position) => this.checkpoint(position.commit);
    const spec = serverFilterSpec(this.options.filter);
    switch (spec.on) {
      case 'streamName':
        return streamNameFilter({ prefixes: spec.prefixes, checkpointReached });
      case 'eventType':
        return eventTypeFilter({ regex: spec.regex, checkpointReached });
      case 'excludeSystemEvents':
        return excludeSystemEvents({ checkpointReached });
    }
  }

  private receive(resolved: AllStreamResolvedEvent) {
    this.received += 1;
    const position = resolved.event?.position?.commit ?? resolved.commitPosition;
    if (position !== undefined && position > this.maxReceivedPosition) this.maxReceivedPosition = position;
    const event = toRecordedEvent(resolved);
    if (event && !isSystemEvent(event) && matchesFilter(event, this.options.filter)) this.queue.push(event);
    if ((this.endPosition !== undefined && position !== undefined && position >= this.endPosition) || (this.caughtUpAt !== undefined && this.received >= this.caughtUpAt)) {
      this.queueCaughtUp();
    }
    if (!this.paused && this.queue.length >= SUBSCRIPTION_HIGH_WATER) {
      this.paused = true;
      this.subscription.pause();
    }
    this.wake();
  }

  private checkpoint(position: bigint) {
    const at = this.received + this.subscription.readableLength;
    this.lastCheckpoint = { position, at };
    if (this.endPosition !== undefined && position >= this.endPosition) this.caughtUpAfter(at);
  }

  private onEndPosition(end: bigint | undefined, from: bigint | 'start') {
    // An empty `$all`, or a start at/after its end, has no history to wait for.
    if (end === undefined || (typeof from === 'bigint' && from >= end)) return this.queueCaughtUp();
    this.endPosition = end;
    // Signals that arrived before we knew the end: late by at most what is already queued.
    if (this.maxReceivedPosition >= end) this.queueCaughtUp();
    else if (this.lastCheckpoint && this.lastCheckpoint.position >= end) this.caughtUpAfter(this.lastCheckpoint.at);
  }

  /** Catch-up ends after the `count`-th raw event received from the client. */
  private caughtUpAfter(count: number) {
    this.caughtUpAt = Math.min(this.caughtUpAt ?? count, count);
    if (this.received >= this.caughtUpAt) this.queueCaughtUp();
  }

  private queueCaughtUp() {
    if (this.caughtUpQueued) return;
    this.caughtUpQueued = true;
    this.queue.push(CAUGHT_UP);
    this.settleCaughtUp(false);
    this.wake();
  }

  /**
   * Resolves once the marker is at the head of the queue and the consumer has come back for more
   * (it finished the last history event), or at once when there was no history to deliver.
   */
  private settleCaughtUp(consumerAsking: boolean) {
    if (this.queue[0] !== CAUGHT_UP || !(consumerAsking || this.delivered === 0)) return;
    this.queue.shift();
    this.resolveCaughtUp();
  }

  private fail(err: Error) {
    if (this.closed || this.finished || this.failure) return;
    this.failure = err;
    this.rejectCaughtUp(err);
    void this.release();
    this.wake();
  }

  private release(): Promise<void> {
    this.releasing ??= (async () => {
      this.subscription.off('data', this.onData);
      await this.subscription.unsubscribe().catch(() => undefined);
      this.subscription.destroy();
    })();
    return this.releasing;
  }

  private wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
