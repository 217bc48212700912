import type { EventMetadata } from '@partner-ledger/event-store';

/** Who asked and why: becomes the metadata of every event the command appends. */
export interface CommandContext {
  correlationId: string;
  causationId?: string;
  source: NonNullable<EventMetadata['source']>;
}

export function metadataOf(ctx: CommandContext): EventMetadata {
  return { correlationId: ctx.correlationId, causationId: ctx.causationId ?? ctx.correlationId, source: ctx.source, schemaVersion: 1 };
}

/**
 * The constructor argument of a command class: its own readonly props, by name. Commands are built
 * by controllers (from DTOs) and by the incoming-webhook runner (from a payload), never handed a DTO.
 */
export type PropsOf<C> = { readonly [K in keyof C]: C[K] };
