import type { ChildHandler } from '../lib/child.js';
import { appendWorkload, count, expectedRevisionOf, timeEach } from './append.child.js';

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
    const { connectEventStoreDb } = await import('@partner-ledger/event-store');
    const work = appendWorkload(p.events, p.streams, 7, p.programId);
    const store = await connectEventStoreDb(p.url);
    const { seconds, latencies } = await timeEach(work, (a) => store.appendToStream(a.stream, a.events, { expectedRevision: expectedRevisionOf(a) }));
    await store.close();
    return { events: count(work), appends: work.length, seconds, latencies };
  },

  /** The official client (@eventstore/db-client) alone: the same events, the same expected revisions. */
  async 'esdb.raw'(p: EsdbParams): Promise<EsdbResult> {
    const { default: esdb } = await import('@eventstore/db-client');
    const work = appendWorkload(p.events, p.streams, 7, p.programId);
    const client = esdb.EventStoreDBClient.connectionString(p.url);
    const { seconds, latencies } = await timeEach(work, (a) =>
      client.appendToStream(
        a.stream,
        a.events.map((e) => esdb.jsonEvent({ id: e.id, type: e.type, data: e.data as never, metadata: e.metadata as never })),
        { expectedRevision: a.before === 0 ? esdb.NO_STREAM : BigInt(a.before - 1) },
      ),
    );
    await client.dispose();
    return { events: count(work), appends: work.length, seconds, latencies };
  },
};
