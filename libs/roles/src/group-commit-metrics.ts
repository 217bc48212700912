import { Counter, type Registry } from 'prom-client';
import { type EventStore, type GroupCommitStats, SqliteEventStore } from '@partner-ledger/event-store';

/**
 * The embedded event store's group commits on `/metrics`: `event_store_group_commits_total`,
 * `event_store_group_commit_appends_total` and `event_store_group_commit_seconds_total`. Their
 * ratios say how well appends are grouped (appends per commit) and what a commit costs the thread
 * that writes it (seconds per commit, the fsync included), which is where a slow disk shows first.
 * Read from the store's own sums at each scrape, so the append path pays for no metric (and the
 * event store, which webhook threads load too, does not load prom-client). Nothing is
 * registered for EventStoreDB, whose server does its own batching.
 */
export function registerGroupCommitMetrics(registry: Registry, events: EventStore): boolean {
  if (!(events instanceof SqliteEventStore)) return false;
  const counter = (name: string, help: string, read: (s: GroupCommitStats) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read(events.groupCommits()));
      },
    });
  counter('event_store_group_commits_total', 'Transactions written by the event store group commit (one per turn of the event loop with appends)', (s) => s.commits);
  counter('event_store_group_commit_appends_total', 'Appends carried by those transactions', (s) => s.appends);
  counter(
    'event_store_group_commit_seconds_total',
    'Time the writing thread spent in those transactions, BEGIN to COMMIT (fsync and write-lock wait included), in seconds',
    (s) => s.seconds,
  );
  return true;
}
