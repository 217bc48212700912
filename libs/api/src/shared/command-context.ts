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
