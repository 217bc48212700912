import type { EventStore } from '@partner-ledger/event-store';
import { Gauge, type Registry } from 'prom-client';

/** How far one projection trails the log: what `/projections` answers and the gauge exports. */
export interface Lag {
  projection: string;
  /** Position of the last event applied (all events, not only the projection's types). */
  position: string | null;
  eventsBehind: number;
  secondsBehind: number;
}

/** Counted up to this many events: past it, "far behind" is all an operator needs to know. */
export const MAX_COUNTED_LAG = 10_000;

/** The lag of a projection whose last applied position is `applied` (null: nothing yet). */
export async function lagOf(events: EventStore, projection: string, applied: bigint | null): Promise<Lag> {
  // Counted, not read: /health and every scrape ask while a catch-up runs, when the backlog is longest.
  const { count, firstCreated } = await events.countAll({ fromPosition: applied === null ? 'start' : applied + 1n, limit: MAX_COUNTED_LAG });
  return {
    projection,
    position: applied === null ? null : String(applied),
    eventsBehind: count,
    secondsBehind: firstCreated ? Math.max(0, (Date.now() - firstCreated.getTime()) / 1000) : 0,
  };
}

/** `projection_lag_events`, read from `lag` at each scrape. */
export function registerProjectionLagGauge(registry: Registry, lag: () => Promise<Lag[]>): void {
  new Gauge({
    name: 'projection_lag_events',
    help: 'Events in the log not yet applied by each projection',
    labelNames: ['projection'],
    registers: [registry],
    async collect() {
      for (const l of await lag()) this.set({ projection: l.projection }, l.eventsBehind);
    },
  });
}
