import { batchesOf, type EventStore, type EventSubscription } from '@partner-ledger/event-store';
import type { ProjectionCommit, ReadStore } from '@partner-ledger/read-store';
import type { ProjectionRunner } from './projection-runner.js';

/** Events per batch handed to every projection. */
const BATCH_SIZE = 500;

/**
 * Runs several projections on ONE subscription to `$all`, from the lowest of their checkpoints:
 * each event is read and parsed once and offered to every projection in turn, which takes what
 * lies after its own checkpoint. Catching up on a long backlog then holds one batch in memory,
 * not one per projection, and reads the log once instead of once per projection. What the
 * projections fold of a batch is committed in one `commitAll` (one SQLite transaction), not one
 * commit each.
 */
export class ProjectionFeed {
  private subscription: EventSubscription | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly events: EventStore,
    private readonly store: Pick<ReadStore, 'commitAll'>,
    private readonly runners: readonly ProjectionRunner[],
    private readonly options: { batchSize?: number; onCommitted?: () => void } = {},
  ) {}

  async start(): Promise<void> {
    if (this.loop) return;
    const checkpoints = await Promise.all(this.runners.map((r) => r.open()));
    const from = checkpoints.includes(null) ? null : checkpoints.reduce((low, p) => (p! < low! ? p : low), checkpoints[0] ?? null);
    const subscription = this.events.subscribeToAll({ fromPosition: from ?? 'start' });
    this.subscription = subscription;
    // The subscription itself failed: every projection on it stops (their own failures stay with each).
    this.loop = this.run(subscription).catch((error: Error) => this.runners.forEach((r) => r.error ?? r.fail(error)));
  }

  /** Stops after the batch in hand is offered to every projection, so checkpoints are saved. */
  async stop(): Promise<void> {
    await this.subscription?.close();
    await this.loop;
    this.loop = null;
    this.subscription = null;
  }

  private async run(subscription: EventSubscription): Promise<void> {
    const namespace = this.runners[0]?.namespace;
    for await (const batch of batchesOf(subscription, this.options.batchSize ?? BATCH_SIZE)) {
      const folded: { runner: ProjectionRunner; commit: ProjectionCommit }[] = [];
      for (const runner of this.runners) {
        const commit = await runner.offer(batch);
        if (commit) folded.push({ runner, commit });
      }
      if (folded.length === 0) continue;
      try {
        await this.store.commitAll(
          namespace!,
          folded.map((f) => f.commit),
        );
      } catch (error) {
        // The store refused the write: every projection in it stops, as each would on its own commit.
        for (const { runner } of folded) runner.fail(error as Error);
        continue;
      }
      for (const { runner, commit } of folded) runner.committed(commit.position);
      this.options.onCommitted?.();
    }
  }
}
