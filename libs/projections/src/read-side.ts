import type { Logger } from 'pino';
import type { EventStore } from '@partner-ledger/event-store';
import { PROJECTIONS, ProjectionRunner, type Projection } from './index.js';
import { type Lag, lagOf } from './lag.js';
import { ProjectionFeed } from './projection-feed.js';
import type { ReadStore } from '@partner-ledger/read-store';
import { threadSignal } from '@partner-ledger/config';

/**
 * Between the threads of one process: a read side that runs the projections says when it has
 * committed a batch, and a following one (the engine's main thread, when its projector runs on a
 * webhook thread) wakes the queries waiting for it instead of letting them sleep out a poll. Other
 * processes are not reached: a follower there polls (`pollMs`).
 */
const committedSignal = threadSignal('projections-committed');

/** Injection token of the ReadSide the API queries through. */
export const READ_SIDE = Symbol('READ_SIDE');

export interface ReadSideOptions {
  /**
   * `run` (default): this process runs the projections. `follow`: another process does (the
   * projector app), or another thread of this one (PROJECTOR_THREAD=webhooks); queries wait on the
   * checkpoints it commits to the shared store.
   */
  mode?: 'run' | 'follow';
  /** follow: how often a waiting query re-reads the checkpoints. Default 25 ms. */
  pollMs?: number;
  /**
   * run: tell the other threads of this process after each batch committed, so that a following
   * read side there wakes its waiting queries at once. Off by default: a signal to other threads
   * costs a post on every batch.
   */
  announce?: boolean;
}

/**
 * The projector role: one runner per projection on the active namespace, all fed by one
 * subscription (ProjectionFeed). Queries use `waitFor` to
 * read their own writes: every runner follows the head of the log, so once each has applied a
 * position, every read model reflects every event up to it.
 *
 * In `follow` mode (an API process beside a separate projector) it runs nothing: `waitFor` reads
 * each projection's checkpoint from the store, which the projector commits with (SQLite) or after
 * (MongoDB) the documents it covers, so a checkpoint at p means every read model includes p.
 */
export class ReadSide {
  private runners: ProjectionRunner[] = [];
  private feed: ProjectionFeed | null = null;
  private namespace: string | null = null;
  private watch: NodeJS.Timeout | null = null;
  private stopping = false;
  /** follow: the lowest checkpoint seen across projections in `namespace` (checkpoints only grow). */
  private known: bigint | null = null;
  private refreshing: Promise<bigint | null> | null = null;

  constructor(
    readonly events: EventStore,
    readonly store: ReadStore,
    private readonly logger?: Logger,
    private readonly projections: readonly Projection[] = PROJECTIONS,
    private readonly options: ReadSideOptions = {},
  ) {}

  get mode(): 'run' | 'follow' {
    return this.options.mode ?? 'run';
  }

  async start(): Promise<void> {
    this.stopping = false;
    this.namespace = await this.store.activeNamespace();
    if (this.mode === 'follow') return;
    this.runners = this.projections.map((p) => new ProjectionRunner(this.events, this.store, p, { namespace: this.namespace!, logger: this.logger }));
    const announce = this.options.announce ? () => committedSignal.emit('') : undefined;
    this.feed = new ProjectionFeed(this.events, this.store, this.runners, { onCommitted: announce });
    await this.feed.start();
    // A rebuild from the CLI swaps namespaces from another process: notice it even when no query
    // comes, so the runners leave the old namespace before it may be dropped.
    this.watch ??= setInterval(() => void this.activeNamespace().catch((error) => this.logger?.warn({ err: error }, 'namespace check failed')), 2_000);
    this.watch.unref();
  }

  /** Stops every runner after its batch in hand, so checkpoints are saved. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.watch) clearInterval(this.watch);
    this.watch = null;
    await this.feed?.stop();
    this.feed = null;
    this.runners = [];
  }

  /** The namespace queries read; follows a rebuild's swap on the next call. */
  async activeNamespace(): Promise<string> {
    const active = await this.store.activeNamespace();
    if (this.mode === 'follow') {
      if (active !== this.namespace) {
        this.namespace = active;
        this.known = null;
      }
      return active;
    }
    if (this.namespace !== null && active !== this.namespace && !this.stopping) {
      // A rebuild swapped namespaces under us: run the projections on the new one from its checkpoints.
      this.logger?.info({ from: this.namespace, to: active }, 'read models swapped; restarting projections');
      this.namespace = active;
      await this.feed?.stop();
      await this.start();
    }
    return active;
  }

  async waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    if (this.mode === 'follow') return this.followUntil(position, timeoutMs);
    const results = await Promise.all(this.runners.map((r) => r.waitFor(position, timeoutMs)));
    return results.every(Boolean);
  }

  lag(): Promise<Lag[]> {
    if (this.mode === 'follow') return this.checkpointLag();
    return Promise.all(this.runners.map((r) => r.lag()));
  }

  /** follow: empty; the projector process reports its own failures on its /health. */
  get failures(): { projection: string; error: Error }[] {
    return this.runners.filter((r) => r.error).map((r) => ({ projection: r.name, error: r.error! }));
  }

  private async followUntil(position: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.known !== null && this.known >= position) return true;
      // Concurrent queries share one read of the checkpoints.
      this.refreshing ??= this.lowestCheckpoint().finally(() => (this.refreshing = null));
      const lowest = await this.refreshing;
      if (lowest !== null && lowest >= position) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      // Woken by the next poll, or sooner by a projector of this process committing a batch.
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          stopListening();
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, this.options.pollMs ?? 25));
        const stopListening = committedSignal.on(wake);
      });
    }
  }

  private async lowestCheckpoint(): Promise<bigint | null> {
    const namespace = await this.activeNamespace();
    let lowest: bigint | null = null;
    for (const p of this.projections) {
      const { position } = await this.store.getCheckpoint(namespace, p.name);
      if (position === null) return null;
      if (lowest === null || position < lowest) lowest = position;
    }
    if (namespace === this.namespace && lowest !== null && (this.known === null || lowest > this.known)) this.known = lowest;
    return lowest;
  }

  private async checkpointLag(): Promise<Lag[]> {
    const namespace = await this.activeNamespace();
    return Promise.all(this.projections.map(async (p) => lagOf(this.events, p.name, (await this.store.getCheckpoint(namespace, p.name)).position)));
  }
}
