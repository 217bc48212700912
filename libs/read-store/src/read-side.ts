import type { Logger } from 'pino';
import type { EventStore } from '../../event-store/src/event-store.port.js';
import { type Lag, PROJECTIONS, ProjectionRunner, type Projection } from './projections/index.js';
import type { ReadStore } from './read-store.port.js';

/**
 * The projector role: one runner per projection on the active namespace. Queries use `waitFor` to
 * read their own writes: every runner follows the head of the log, so once each has applied a
 * position, every read model reflects every event up to it.
 */
export class ReadSide {
  private runners: ProjectionRunner[] = [];
  private namespace: string | null = null;
  private watch: NodeJS.Timeout | null = null;
  private stopping = false;

  constructor(
    readonly events: EventStore,
    readonly store: ReadStore,
    private readonly logger?: Logger,
    private readonly projections: readonly Projection[] = PROJECTIONS,
  ) {}

  async start(): Promise<void> {
    this.stopping = false;
    this.namespace = await this.store.activeNamespace();
    this.runners = this.projections.map((p) => new ProjectionRunner(this.events, this.store, p, { namespace: this.namespace!, logger: this.logger }));
    await Promise.all(this.runners.map((r) => r.start()));
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
    await Promise.all(this.runners.map((r) => r.stop()));
    this.runners = [];
  }

  /** The namespace queries read; follows a rebuild's swap on the next call. */
  async activeNamespace(): Promise<string> {
    const active = await this.store.activeNamespace();
    if (this.namespace !== null && active !== this.namespace && !this.stopping) {
      // A rebuild swapped namespaces under us: run the projections on the new one from its checkpoints.
      this.logger?.info({ from: this.namespace, to: active }, 'read models swapped; restarting projections');
      this.namespace = active;
      await Promise.all(this.runners.map((r) => r.stop()));
      await this.start();
    }
    return active;
  }

  async waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    const results = await Promise.all(this.runners.map((r) => r.waitFor(position, timeoutMs)));
    return results.every(Boolean);
  }

  lag(): Promise<Lag[]> {
    return Promise.all(this.runners.map((r) => r.lag()));
  }

  get failures(): { projection: string; error: Error }[] {
    return this.runners.filter((r) => r.error).map((r) => ({ projection: r.name, error: r.error! }));
  }
}
