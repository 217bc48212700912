import type { ChildHandler } from '../lib/child.js';

export interface ScalePrepareParams {
  dataDir: string;
  /** Random commands sent to the engine for the seed history. */
  commands: number;
  /** Events wanted in the log. */
  events: number;
}

export interface ScalePrepareResult {
  events: number;
  seedEvents: number;
  copies: number;
}

export const handlers: Record<string, ChildHandler> = {
  /** A data dir whose log holds `events` events that nothing downstream has seen (buildLongHistory). */
  async 'scale.prepare'(p: ScalePrepareParams): Promise<ScalePrepareResult> {
    const { buildLongHistory } = await import('@partner-ledger/testing');
    const { events, seedEvents, copies } = await buildLongHistory({ dataDir: p.dataDir, commands: p.commands, events: p.events });
    return { events, seedEvents, copies };
  },
};
