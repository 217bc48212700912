import type { Actor } from '@partner-ledger/domain';
import type { AppendOptions, AppendResult, EventMetadata, EventStore } from '@partner-ledger/event-store';
import { currentTraceparent, inSpan, tracingEnabled } from '@partner-ledger/platform';

/**
 * Who asked and why: the ids and source become the metadata of every event the command appends;
 * the actor (who the request authenticated as) is handed to the decider, which records it on the
 * decisions it makes.
 */
export interface CommandContext {
  correlationId: string;
  causationId?: string;
  source: NonNullable<EventMetadata['source']>;
  actor: Actor;
}

export function metadataOf(ctx: CommandContext): EventMetadata {
  const metadata: EventMetadata = { correlationId: ctx.correlationId, causationId: ctx.causationId ?? ctx.correlationId, source: ctx.source, schemaVersion: 1 };
  // With tracing on, the append's span context: the projection, the publisher and the delivery continue its trace.
  const traceparent = currentTraceparent();
  if (traceparent) metadata.traceparent = traceparent;
  return metadata;
}

/**
 * Appends a command's events with its metadata, in an `append` span (with tracing on) whose context
 * each event's metadata keeps.
 */
export function appendWithContext(
  store: EventStore,
  streamName: string,
  events: readonly { type: string; data: unknown }[],
  ctx: CommandContext,
  options: AppendOptions,
): Promise<AppendResult> {
  const append = () =>
    store.appendToStream(
      streamName,
      events.map((e) => ({ type: e.type, data: e.data, metadata: metadataOf(ctx) })),
      options,
    );
  if (!tracingEnabled()) return append();
  return inSpan(`append ${streamName.split(/[-.]/)[0]}`, { attributes: { 'event_store.stream': streamName, 'event_store.events': events.length } }, append);
}

/**
 * The constructor argument of a command class: its own readonly props, by name. Commands are built
 * by controllers (from DTOs) and by the incoming-webhook runner (from a payload), never handed a DTO.
 */
export type PropsOf<C> = { readonly [K in keyof C]: C[K] };
