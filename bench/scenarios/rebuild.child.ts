import type { ChildHandler } from '../lib/child.js';

export interface PrepareParams {
  dataDir: string;
  /** Random commands sent to the engine for the seed history. */
  commands: number;
  /** Events wanted in the log. */
  events: number;
}

export interface PrepareResult {
  file: string;
  events: number;
  seedEvents: number;
  seedCommands: number;
  copies: number;
}

export interface RebuildRunResult {
  events: number;
  seconds: number;
  documents?: number;
  readOnly?: { events: number; seconds: number };
}

export const handlers: Record<string, ChildHandler> = {
  /** The log to rebuild: `buildLongHistory` (libs/testing), which the scale test shares. */
  async 'rebuild.prepare'(p: PrepareParams): Promise<PrepareResult> {
    const { buildLongHistory } = await import('@partner-ledger/testing');
    const { file, events, seedEvents, seedCommands, copies } = await buildLongHistory({ dataDir: p.dataDir, commands: p.commands, events: p.events });
    return { file, events, seedEvents, seedCommands, copies };
  },

  /** The engine's rebuild (`rebuildReadModels`, what the CLI runs): fresh namespace, replay, swap. */
  async 'rebuild.ours'(p: { file: string; stateFile: string }): Promise<RebuildRunResult> {
    const [{ SqliteEventStore }, { SqliteReadStore }, { rebuildReadModels, READ_MODEL_COLLECTIONS }] = await Promise.all([
      import('@partner-ledger/event-store'),
      import('@partner-ledger/read-store'),
      import('@partner-ledger/projections'),
    ]);
    // The events' file and the state file beside it, as the engine and the CLI open them.
    const events = SqliteEventStore.open(p.file);
    const store = SqliteReadStore.open(p.stateFile);
    const t0 = performance.now();
    const result = await rebuildReadModels(events, store);
    const seconds = (performance.now() - t0) / 1000;
    let documents = 0;
    for (const c of READ_MODEL_COLLECTIONS) documents += await store.count(result.namespace, c);
    await store.close();
    await events.close();
    return { events: result.events, seconds, documents };
  },

  /**
   * The same fold with no store: the same pages of `$all` read the same way, through the same
   * projections (InMemoryFold, what `asOf` queries use), documents kept in a Map. First a pass that
   * only reads, to show what the log read alone costs.
   */
  async 'rebuild.memory'(p: { file: string }): Promise<RebuildRunResult> {
    const [{ SqliteEventStore }, { InMemoryFold, PROJECTIONS }] = await Promise.all([import('@partner-ledger/event-store'), import('@partner-ledger/projections')]);
    const events = SqliteEventStore.open(p.file);
    const pass = async (apply: (e: Parameters<InstanceType<typeof InMemoryFold>['apply']>[0]) => void) => {
      let from: bigint | 'start' = 'start';
      let n = 0;
      const t0 = performance.now();
      for (;;) {
        const page = await events.readAll({ fromPosition: from, maxCount: 1000 });
        for (const e of page) apply(e);
        n += page.length;
        if (page.length < 1000) break;
        from = page[page.length - 1].position + 1n;
      }
      return { events: n, seconds: (performance.now() - t0) / 1000 };
    };
    const readOnly = await pass(() => undefined);
    const fold = new InMemoryFold(PROJECTIONS);
    const folded = await pass((e) => fold.apply(e));
    await events.close();
    return { ...folded, documents: fold.docs.size, readOnly };
  },
};
