import type { Actor } from '@partner-ledger/domain';
import type { EventMetadata } from '@partner-ledger/event-store';

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
  return { correlationId: ctx.correlationId, causationId: ctx.causationId ?? ctx.correlationId, source: ctx.source, schemaVersion: 1 };
}

/**
 * The constructor argument of a command class: its own readonly props, by name. Commands are built
 * by controllers (from DTOs) and by the incoming-webhook runner (from a payload), never handed a DTO.
 */
export type PropsOf<C> = { readonly [K in keyof C]: C[K] };
