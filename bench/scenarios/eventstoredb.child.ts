import type { ChildHandler } from '../lib/child.js';
import { appendWorkload } from './append.child.js';

export interface EsdbParams {
  url: string;
  events: number;
  streams: number;
  /** Program id in the stream names, unique per run: the server keeps every earlier run's streams. */
  programId: string;
}

export interface EsdbResult {
  events: number;
  appends: number;
  seconds: number;
  latencies: number[];
}

export const handlers: Record<string, ChildHandler> = {
  /** partner-ledger's EventStoreDbEventStore, one append per command-sized batch, expected revisions. */
  async 'esdb.ours'(p: EsdbParams): Promise<EsdbResult> {
    const { EventStoreDbEventStore } = await import('../../libs/event-store/src/eventstoredb/eventstoredb-event-store.js');
    const work = appendWorkload(p.events, p.streams, 7, p.programId);
    const store = EventStoreDbEventStore.connect(p.url);
    const latencies: number[] = [];
    const t0 = performance.now();
    for (const a of work) {
      const s = performance.now();
      await store.appendToStream(a.stream, a.events, { expectedRevision: a.before === 0 ? 'no_stream' : BigInt(a.before - 1) });
      latencies.push(performance.now() - s);
    }
    const seconds = (performance.now() - t0) / 1000;
    await store.close();
    return { events: work.reduce((n, a) => n + a.events.length, 0), appends: work.length, seconds, latencies };
  },

  /** The official client (@eventstore/db-client) alone: the same events, the same expected revisions. */
  async 'esdb.raw'(p: EsdbParams): Promise<EsdbResult> {
    const { default: esdb } = await import('@eventstore/db-client');
    const work = appendWorkload(p.events, p.streams, 7, p.programId);
    const client = esdb.EventStoreDBClient.connectionString(p.url);
    const latencies: number[] = [];
    const t0 = performance.now();
    for (const a of work) {
      const s = performance.now();
      await client.appendToStream(
        a.stream,
        a.events.map((e) => esdb.jsonEvent({ id: e.id, type: e.type, data: e.data as never, metadata: e.metadata as never })),
        { expectedRevision: a.before === 0 ? esdb.NO_STREAM : BigInt(a.before - 1) },
      );
      latencies.push(performance.now() - s);
    }
    const seconds = (performance.now() - t0) / 1000;
    await client.dispose();
    return { events: work.reduce((n, a) => n + a.events.length, 0), appends: work.length, seconds, latencies };
  },
};
