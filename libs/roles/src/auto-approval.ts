import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AutoApprover } from '@partner-ledger/api';
import type { AppConfig } from '@partner-ledger/config';
import { type LeaseStore, SingleActive } from '@partner-ledger/leases';
import type { HealthIndicator } from '@partner-ledger/platform';

/** Lease name: one auto-approver looks at a time among API instances that share their stores. */
export const AUTO_APPROVER_LEASE = 'auto-approver';

/** Due documents counted for the backlog gauge, at most (a count past it reads as this). */
export const MAX_COUNTED_DUE = 10_000;

/**
 * Runs the auto-approver's look every AUTO_APPROVAL_INTERVAL, the next look starting an interval
 * after the previous one ended (looks never overlap). A look that fails is logged and kept as
 * `error` (the /health check fails) until a later look succeeds; the loop goes on.
 */
export class AutoApprovalLoop {
  error: Error | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(
    readonly approver: AutoApprover,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly approvals?: Counter,
  ) {}

  start(): void {
    this.stopping = false;
    this.schedule(0);
  }

  /** Stops after the approval in hand. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One look now (tests; the loop's own looks call it too). */
  async look(): Promise<void> {
    try {
      const result = await this.approver.run(() => this.stopping);
      this.approvals?.inc(result.approved);
      if (this.error) this.logger.info('auto-approver recovered');
      this.error = null;
    } catch (error) {
      this.error = error as Error;
      this.logger.error({ err: error }, 'auto-approval look failed; retrying at the next interval');
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.look().finally(() => {
        this.running = null;
        this.schedule(this.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }
}

/**
 * Where the loop runs: always (the engine, which owns its stores), or while holding the lease. It
 * starts once the app has bootstrapped: the CommandBus has its handlers only from then on.
 */
export interface AutoApprovalRole extends OnApplicationBootstrap, OnApplicationShutdown {
  /** The running loop; null while a leased instance waits as a standby. */
  current(): AutoApprovalLoop | null;
}

export class InProcessAutoApproval implements AutoApprovalRole {
  constructor(readonly loop: AutoApprovalLoop) {}

  current(): AutoApprovalLoop {
    return this.loop;
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }
}

/**
 * Under the `auto-approver` lease (API instances beside a separate projector): only the holder
 * looks. The lease saves the others the work; it is not what keeps an approval single: the
 * approve command's expected revision does that, so a stale holder's approval is refused or a
 * no-op, and no fence is needed.
 */
export class LeasedAutoApproval implements AutoApprovalRole {
  private running: AutoApprovalLoop | null = null;
  readonly keeper: SingleActive;

  constructor(loop: AutoApprovalLoop, leases: LeaseStore, config: AppConfig, logger: Logger) {
    this.keeper = new SingleActive(
      leases,
      AUTO_APPROVER_LEASE,
      async () => {
        loop.start();
        this.running = loop;
        return {
          stop: async () => {
            await loop.stop();
            if (this.running === loop) this.running = null;
          },
        };
      },
      { ttlMs: config.leaseTtlMs, renewIntervalMs: config.leaseRenewIntervalMs, logger },
    );
  }

  current(): AutoApprovalLoop | null {
    return this.running;
  }

  onApplicationBootstrap(): void {
    this.keeper.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.keeper.stop();
  }
}

export function autoApprovalIndicator(role: AutoApprovalRole): HealthIndicator {
  return {
    name: 'auto-approver',
    check: async () => {
      const loop = role.current();
      if (!loop) return 'standby: another instance holds the lease';
      if (loop.error) throw new Error(`last look failed: ${loop.error.message}`);
    },
  };
}

/** `auto_approvals_total` (counted by the loop) and `auto_approval_due` (due now, counted up to MAX_COUNTED_DUE). */
export function registerAutoApprovalMetrics(registry: Registry, current: () => AutoApprovalLoop | null): Counter {
  new Gauge({
    name: 'auto_approval_due',
    help: `Conversions due for auto-approval now and not yet approved (counted up to ${MAX_COUNTED_DUE}); only the instance that looks reports it`,
    registers: [registry],
    async collect() {
      const loop = current();
      if (!loop) return;
      // A read store that does not answer leaves the last value: /metrics must answer anyway (the
      // failing look shows in /health).
      const due = await loop.approver.dueNow(MAX_COUNTED_DUE).catch(() => null);
      if (due) this.set(due.length);
    },
  });
  return new Counter({ name: 'auto_approvals_total', help: 'Conversions this instance approved by the AUTO_AFTER_HOLD rule', registers: [registry] });
}
