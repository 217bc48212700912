import { Inject, Injectable, Optional } from '@nestjs/common';
import { type Decider, type DomainEvent, preconditionFailed } from '@partner-ledger/domain';
import { type ActualRevision, type EventStore, type ExpectedRevision, type RecordedEvent, WrongExpectedRevisionError } from '@partner-ledger/event-store';
import { inSpan } from '@partner-ledger/platform';
import { appendWithContext, type CommandContext } from './command-context.js';
import { DECIDE_ONCE, decideWithRetries, type RetryPolicy, retryPolicyOf } from './retry-policy.js';
import { ReadSet, StreamCache } from './stream-cache.js';
import { EVENT_STORE } from './tokens.js';

export interface Loaded<S> {
  state: S;
  /** Revision of the stream's last event, or 'no_stream'. */
  revision: ActualRevision;
  /** Global position of the stream's last event (0 when empty). */
  position: bigint;
}

export interface Handled<S, E> extends Loaded<S> {
  /** Events this command appended; empty when the decision was a no-op (idempotent replay). */
  events: E[];
}

/** Injection token of the process's `StreamCache` (ApiModule provides it, sized by STREAM_CACHE_SIZE). */
export const STREAM_CACHE = Symbol('STREAM_CACHE');

/**
 * Read → decide → append with the expected revision. When another writer got in between, the
 * command is decided again on the fresh state as its retry policy says (retry-policy.ts: commands
 * that commute are decided again until they are appended or truly refused, within a bound):
 * deciders are pure, so a later decision is as safe as the first.
 *
 * A client's `If-Match` (`expectedRevision`) replaces that retry: the client decided on the state it
 * read, so a stream that moved since answers 412 and nothing is appended.
 *
 * Hot streams (stream-cache.ts) are folded once and kept in a bounded cache. A command's first
 * decision takes their cached state as it is and records each stream's revision in its `ReadSet`;
 * the append carries them all (the target's as the expected revision, the others as
 * `alsoExpected`), so the store refuses the decision if any of them moved. Then the entry is
 * dropped and the command decided again at once on fresh reads: a stale entry costs one more
 * decision, not a conflict of the retry policy. A decision that would not append (a no-op, a
 * refusal) is never taken on cached state alone: it is taken again on fresh reads first. A command
 * that usually creates its stream (`assumeNew`) takes it as absent the same way, unread. Reads
 * outside a decision (`load` without a `ReadSet`) read the cached stream's tail: the events after
 * its revision, usually none.
 */
@Injectable()
export class StreamRunner {
  readonly cache: StreamCache;

  constructor(
    @Inject(EVENT_STORE) readonly store: EventStore,
    @Optional() @Inject(STREAM_CACHE) cache?: StreamCache,
  ) {
    // Without one (a dry run's own runner), nothing is cached.
    this.cache = cache ?? new StreamCache(0);
  }

  /**
   * The stream's state. With a `ReadSet` that trusts the cache, a cached stream costs nothing and
   * its revision is recorded for the append; otherwise the stream is read (from the cached
   * revision on, when cached) and the revision read is recorded.
   */
  async load<C, E extends DomainEvent, S>(streamName: string, decider: Decider<C, E, S>, reads?: ReadSet, assumeNew = false): Promise<Loaded<S>> {
    const cached = this.cache.get<S>(streamName, decider);
    if (cached && reads?.trustCache) {
      reads.record(streamName, cached.revision, true);
      return { state: cached.state, revision: cached.revision, position: cached.position };
    }
    if (assumeNew && !cached && reads?.trustCache) {
      // Unread, like a cached entry: the append expects no stream, so one that exists refuses it.
      reads.record(streamName, 'no_stream', true);
      return { state: decider.initialState(), revision: 'no_stream', position: 0n };
    }
    const from = cached && cached.revision !== 'no_stream' ? cached.revision + 1n : 'start';
    const events = await this.store.readStream(streamName, { fromRevision: from });
    const loaded = this.foldRecorded(decider, events, cached);
    this.cache.set(streamName, { ...loaded, fold: decider });
    reads?.record(streamName, loaded.revision, false);
    return loaded;
  }

  /** Folds `events` onto `from` (a state at an earlier revision of the same stream), or onto the initial state. */
  foldRecorded<C, E extends DomainEvent, S>(decider: Decider<C, E, S>, events: RecordedEvent[], from?: Loaded<S>): Loaded<S> {
    let state = from ? from.state : decider.initialState();
    for (const e of events) state = decider.evolve(state, { type: e.type, data: e.data } as E);
    const last = events.at(-1);
    if (!last) return from ? { state, revision: from.revision, position: from.position } : { state, revision: 'no_stream', position: 0n };
    return { state, revision: last.revision, position: last.position };
  }

  /** Refuses with 412 unless the stream is where the client expects it. */
  checkExpected(streamName: string, actual: ExpectedRevision, expected: ExpectedRevision | undefined): void {
    if (expected === undefined || expected === 'any') return;
    const holds = expected === 'stream_exists' ? actual !== 'no_stream' : expected === 'no_stream' ? actual === 'no_stream' : actual === expected;
    if (!holds) {
      throw preconditionFailed('precondition_failed', `${streamName} is at revision ${String(actual)}, not the If-Match revision ${String(expected)}; read it again`);
    }
  }

  /**
   * Revision of the last event of `streamName` at or before global `position`: the revision a read
   * model document reflects when it has folded the log up to `position`. Null when none.
   */
  async revisionAt(streamName: string, position: bigint): Promise<bigint | null> {
    const events = await this.store.readStream(streamName, { direction: 'backwards', fromRevision: 'end' });
    return events.find((e) => e.position <= position)?.revision ?? null;
  }

  /** A stream, once written, exists for good: a cached entry with events answers without a read. */
  async exists(streamName: string): Promise<boolean> {
    if (this.cache.has(streamName)) return true;
    return (await this.store.readStream(streamName, { maxCount: 1 })).length > 0;
  }

  async handle<C, E extends DomainEvent, S>(
    streamName: string,
    decider: Decider<C, E, S>,
    /** The command, or how to build it from the stream's state (its reads of other streams go through `reads`). */
    command: C | ((state: S, reads: ReadSet) => C | Promise<C>),
    ctx: CommandContext,
    options: {
      expectedRevision?: ExpectedRevision;
      /**
       * The command usually creates the stream (a sale under a new key): its first decision takes
       * the stream as absent without reading it, as it would a cached entry, and a stream that
       * exists (the key's second request) refuses the append, which decides again on a fresh
       * read. Saves the read, and the wait for the group commit in flight that every read makes
       * (read-your-writes), on every sale.
       */
      assumeNew?: boolean;
    } = {},
  ): Promise<Handled<S, E>> {
    const pinned = options.expectedRevision !== undefined && options.expectedRevision !== 'any';
    let policy: RetryPolicy = DECIDE_ONCE;
    // A span for the whole command (load, decide, the append, its retries): the HTTP request's child.
    return inSpan('handle command', { attributes: { 'event_store.stream': streamName } }, (span) => {
      const decideOnce = async (reads: ReadSet): Promise<Handled<S, E>> => {
        const loaded = await this.load(streamName, decider, reads, options.assumeNew && !pinned);
        this.checkExpected(streamName, loaded.revision, options.expectedRevision);
        const cmd = typeof command === 'function' ? await (command as (s: S, r: ReadSet) => C | Promise<C>)(loaded.state, reads) : command;
        policy = pinned ? DECIDE_ONCE : retryPolicyOf(cmd);
        span?.updateName(`handle ${String((cmd as { type?: unknown }).type)}`);
        const events = decider.decide(cmd, loaded.state);
        if (events.length === 0) {
          // Nothing to append, so nothing to check the reads against: a cached state may not decide that.
          if (reads.anyFromCache()) throw new DecidedOnCache();
          return { ...loaded, events };
        }
        try {
          const result = await appendWithContext(this.store, streamName, events, ctx, { expectedRevision: loaded.revision, alsoExpected: reads.expectations(streamName) });
          const state = events.reduce(decider.evolve, loaded.state);
          this.cache.set(streamName, { state, revision: result.nextExpectedRevision, position: result.position, fold: decider });
          return { state, events, revision: result.nextExpectedRevision, position: result.position };
        } catch (error) {
          // The stream moved past the client's If-Match while this request decided: 412, as if it had moved before.
          if (pinned && error instanceof WrongExpectedRevisionError && error.streamName === streamName) this.checkExpected(streamName, error.actual, options.expectedRevision);
          throw error;
        }
      };
      return decideWithRetries(
        streamName,
        async () => {
          // First on what the cache holds (not against a client's If-Match: that is checked on a fresh read).
          let trust = !pinned;
          for (;;) {
            const reads = new ReadSet(trust);
            try {
              return await decideOnce(reads);
            } catch (error) {
              if (error instanceof WrongExpectedRevisionError) this.cache.evict(error.streamName);
              // A cached entry found old, or a no-op or refusal decided on cached state: decided again
              // on fresh reads straight away. Nobody raced this decision, so the policy is not spent.
              const onCache = error instanceof DecidedOnCache || (error instanceof WrongExpectedRevisionError ? reads.answeredFromCache(error.streamName) : reads.anyFromCache());
              if (trust && onCache) {
                trust = false;
                continue;
              }
              throw error;
            }
          }
        },
        () => policy,
      );
    });
  }
}

/** A decision that appends nothing was taken on cached state: it is taken again on fresh reads. */
class DecidedOnCache extends Error {}
