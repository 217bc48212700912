import { Inject, Injectable } from '@nestjs/common';
import { type Decider, type DomainEvent, preconditionFailed } from '@partner-ledger/domain';
import { type EventStore, type ExpectedRevision, type RecordedEvent, WrongExpectedRevisionError } from '@partner-ledger/event-store';
import { inSpan } from '@partner-ledger/platform';
import { appendWithContext, type CommandContext } from './command-context.js';
import { DECIDE_ONCE, decideWithRetries, type RetryPolicy, retryPolicyOf } from './retry-policy.js';
import { EVENT_STORE } from './tokens.js';

export interface Loaded<S> {
  state: S;
  /** Revision of the stream's last event, or 'no_stream'. */
  revision: ExpectedRevision;
  /** Global position of the stream's last event (0 when empty). */
  position: bigint;
}

export interface Handled<S, E> extends Loaded<S> {
  /** Events this command appended; empty when the decision was a no-op (idempotent replay). */
  events: E[];
}

/**
 * Read → decide → append with the expected revision. When another writer got in between, the
 * command is decided again on the fresh state as its retry policy says (retry-policy.ts: commands
 * that commute are decided again until they are appended or truly refused, within a bound):
 * deciders are pure, so a later decision is as safe as the first.
 *
 * A client's `If-Match` (`expectedRevision`) replaces that retry: the client decided on the state it
 * read, so a stream that moved since answers 412 and nothing is appended.
 */
@Injectable()
export class StreamRunner {
  constructor(@Inject(EVENT_STORE) readonly store: EventStore) {}

  async load<C, E extends DomainEvent, S>(streamName: string, decider: Decider<C, E, S>): Promise<Loaded<S>> {
    const events = await this.store.readStream(streamName);
    return this.foldRecorded(decider, events);
  }

  foldRecorded<C, E extends DomainEvent, S>(decider: Decider<C, E, S>, events: RecordedEvent[]): Loaded<S> {
    let state = decider.initialState();
    for (const e of events) state = decider.evolve(state, { type: e.type, data: e.data } as E);
    const last = events.at(-1);
    return { state, revision: last ? last.revision : 'no_stream', position: last?.position ?? 0n };
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

  async exists(streamName: string): Promise<boolean> {
    return (await this.store.readStream(streamName, { maxCount: 1 })).length > 0;
  }

  async handle<C, E extends DomainEvent, S>(
    streamName: string,
    decider: Decider<C, E, S>,
    command: C | ((state: S) => C | Promise<C>),
    ctx: CommandContext,
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<Handled<S, E>> {
    const pinned = options.expectedRevision !== undefined && options.expectedRevision !== 'any';
    let policy: RetryPolicy = DECIDE_ONCE;
    // A span for the whole command (load, decide, the append, its retries): the HTTP request's child.
    return inSpan('handle command', { attributes: { 'event_store.stream': streamName } }, (span) =>
      decideWithRetries(
        streamName,
        async () => {
          const loaded = await this.load(streamName, decider);
          this.checkExpected(streamName, loaded.revision, options.expectedRevision);
          const cmd = typeof command === 'function' ? await (command as (s: S) => C | Promise<C>)(loaded.state) : command;
          policy = pinned ? DECIDE_ONCE : retryPolicyOf(cmd);
          span?.updateName(`handle ${String((cmd as { type?: unknown }).type)}`);
          const events = decider.decide(cmd, loaded.state);
          if (events.length === 0) return { ...loaded, events };
          try {
            const result = await appendWithContext(this.store, streamName, events, ctx, { expectedRevision: loaded.revision });
            const state = events.reduce(decider.evolve, loaded.state);
            return { state, events, revision: result.nextExpectedRevision, position: result.position };
          } catch (error) {
            // The stream moved past the client's If-Match while this request decided: 412, as if it had moved before.
            if (pinned && error instanceof WrongExpectedRevisionError) this.checkExpected(streamName, error.actual, options.expectedRevision);
            throw error;
          }
        },
        () => policy,
      ),
    );
  }
}
