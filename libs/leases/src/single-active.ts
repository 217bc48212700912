import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { LeaseLostError, type LeaseStore } from './lease.port.js';

/** What a role hands back once started under the lease. */
export interface ActiveRole {
  /** Stops after the work in hand (its last checkpoint goes through the fence). */
  stop(): Promise<void>;
  /** A role that stopped on an error steps down, so this or another instance starts it afresh. */
  failure?(): Error | null;
}

export interface SingleActiveOptions {
  /** How long a holder may go without renewing before a standby takes over. */
  ttlMs: number;
  /** How often the holder renews and a standby looks; at most a third of the TTL. */
  renewIntervalMs: number;
  /** Unique per process; default `<hostname>:<pid>:<random>`. */
  holder?: string;
  logger?: Logger;
  /** Monotonic milliseconds (tests inject one). */
  clock?: () => number;
}

export function defaultHolderId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * Checked right before every checkpoint write (and, for the publisher, every publish) of one
 * tenure: passes only while this instance holds the lease with the token it was started with, by
 * its own deadline and by the record in the store.
 */
export class Fence {
  constructor(
    private readonly keeper: SingleActive,
    readonly token: number,
  ) {}

  async check(): Promise<void> {
    this.keeper.assertLocal(this.token);
    const record = await this.keeper.store.read(this.keeper.name);
    if (!record || record.released || record.holder !== this.keeper.holder || record.token !== this.token) {
      throw new LeaseLostError(
        `lease ${this.keeper.name}: token ${this.token} is no longer current (now ${record ? `${record.holder} #${record.token}${record.released ? ', released' : ''}` : 'none'})`,
      );
    }
    // The read may have taken a while: the deadline must still be ahead after it.
    this.keeper.assertLocal(this.token);
  }
}

/**
 * Runs a role in at most one instance at a time. Every instance runs this loop: the holder renews
 * every `renewIntervalMs`; a standby reads the record and takes it over (compare-and-set on the
 * version it saw) once it has seen no write for the holder's TTL on its own monotonic clock, or at
 * once when the holder released it.
 *
 * Why no two instances write at once: a standby's takeover comes at least TTL after the holder's
 * last successful renewal began (it must see that renewal's version, then wait TTL), and the holder
 * stops passing its fence at TTL − TTL/5 after that same moment, whether or not it can reach the
 * store. The TTL/5 margin covers a fence check that passed just before the deadline and the write
 * that follows it. What no lease can rule out is a process frozen longer than that margin between
 * its fence check and its write; the roles are built so that such a stale write is harmless (see
 * `fenced.ts`).
 */
export class SingleActive {
  readonly holder: string;
  private state: 'standby' | 'active' | 'stopping' | 'stopped' = 'stopped';
  private token: number | null = null;
  private deadline = Number.NEGATIVE_INFINITY;
  private seen: { version: number; at: number } | null = null;
  private role: ActiveRole | null = null;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly clock: () => number;
  private readonly safetyMs: number;
  private listeners: ((active: boolean, token: number | null) => void)[] = [];

  constructor(
    readonly store: LeaseStore,
    readonly name: string,
    private readonly startRole: (fence: Fence) => Promise<ActiveRole>,
    private readonly options: SingleActiveOptions,
  ) {
    if (!(options.ttlMs > 0) || !(options.renewIntervalMs > 0) || options.renewIntervalMs * 3 > options.ttlMs) {
      throw new Error(`lease ${name}: the renew interval (${options.renewIntervalMs} ms) must be positive and at most a third of the TTL (${options.ttlMs} ms)`);
    }
    this.holder = options.holder ?? defaultHolderId();
    this.clock = options.clock ?? (() => performance.now());
    this.safetyMs = Math.round(options.ttlMs / 5);
  }

  get isActive(): boolean {
    return this.state === 'active';
  }

  get currentToken(): number | null {
    return this.token;
  }

  /** Called with (true, token) on taking the lease and (false, null) on leaving it. */
  onChange(listener: (active: boolean, token: number | null) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    if (this.loop) return;
    this.state = 'standby';
    this.options.logger?.info({ lease: this.name, holder: this.holder }, 'lease standby: waiting to hold the lease');
    this.loop = this.run();
  }

  /** Stops the role (its last checkpoint saved) and releases the lease, so a standby takes over at once. */
  async stop(): Promise<void> {
    if (!this.loop) return;
    const wasActive = this.state === 'active';
    this.state = 'stopping';
    this.wake?.();
    await this.loop;
    this.loop = null;
    if (wasActive || this.role) await this.stepDown('stopping', { release: true });
    this.state = 'stopped';
  }

  /** @internal Throws unless `token` is this instance's current tenure and its deadline is ahead. */
  assertLocal(token: number): void {
    if (this.token !== token) throw new LeaseLostError(`lease ${this.name}: token ${token} is no longer held by this instance`);
    if (this.clock() >= this.deadline) throw new LeaseLostError(`lease ${this.name}: token ${token} passed its deadline without a renewal`);
  }

  private async run(): Promise<void> {
    while (this.state === 'standby' || this.state === 'active') {
      try {
        if (this.state === 'active') await this.keep();
        else await this.contend();
      } catch (error) {
        this.options.logger?.warn({ err: error, lease: this.name }, 'lease store unreachable');
      }
      if (this.state !== 'standby' && this.state !== 'active') break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.renewIntervalMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  private async contend(): Promise<void> {
    const record = await this.store.read(this.name);
    const now = this.clock();
    if (record && !record.released) {
      if (this.seen?.version !== record.version) {
        this.seen = { version: record.version, at: now };
        return;
      }
      if (now - this.seen.at < record.ttlMs) return;
    }
    const started = this.clock();
    const won = await this.store.acquire(this.name, this.holder, record?.version ?? null, this.options.ttlMs);
    this.seen = null;
    if (!won) return;
    if (this.state !== 'standby') {
      // stop() came while acquiring: hand it straight back.
      await this.store.release(this.name, this.holder, won.token).catch(() => false);
      return;
    }
    this.token = won.token;
    this.deadline = started + this.options.ttlMs - this.safetyMs;
    this.state = 'active';
    this.options.logger?.info({ lease: this.name, holder: this.holder, token: won.token, previous: record ? record.holder : null }, 'lease acquired');
    try {
      this.role = await this.startRole(new Fence(this, won.token));
    } catch (error) {
      this.options.logger?.error({ err: error, lease: this.name }, 'role failed to start under the lease; stepping down');
      await this.stepDown('the role failed to start', { release: true });
      return;
    }
    for (const l of this.listeners) l(true, won.token);
  }

  private async keep(): Promise<void> {
    const token = this.token!;
    const failure = this.role?.failure?.();
    if (failure) {
      this.options.logger?.error({ err: failure, lease: this.name, token }, 'role stopped on an error; stepping down');
      await this.stepDown('the role failed', { release: true });
      return;
    }
    const started = this.clock();
    let renewed;
    try {
      renewed = await this.store.renew(this.name, this.holder, token);
    } catch (error) {
      if (this.clock() >= this.deadline) await this.stepDown(`could not renew before the deadline: ${(error as Error).message}`, { release: false });
      else this.options.logger?.warn({ err: error, lease: this.name, token }, 'lease renewal failed; retrying before the deadline');
      return;
    }
    if (!renewed) {
      await this.stepDown('taken over or released elsewhere', { release: false });
      return;
    }
    if (this.token === token) this.deadline = started + this.options.ttlMs - this.safetyMs;
  }

  private async stepDown(reason: string, { release }: { release: boolean }): Promise<void> {
    const token = this.token;
    const role = this.role;
    this.role = null;
    const fenceOff = () => {
      this.token = null;
      this.deadline = Number.NEGATIVE_INFINITY;
    };
    // Lost: nothing of this tenure may pass the fence any more, not even the role's last batch.
    if (!release) fenceOff();
    // Giving it up while still holding it: the role's last checkpoint goes through first.
    if (role) await role.stop().catch((error) => this.options.logger?.warn({ err: error, lease: this.name }, 'role did not stop cleanly'));
    fenceOff();
    if (this.state === 'active') this.state = 'standby';
    this.seen = null;
    let released = false;
    if (release && token !== null) released = await this.store.release(this.name, this.holder, token).catch(() => false);
    const level = reason === 'stopping' ? 'info' : 'warn';
    this.options.logger?.[level]({ lease: this.name, holder: this.holder, token, released, reason }, 'lease left');
    if (token !== null) for (const l of this.listeners) l(false, null);
  }
}
