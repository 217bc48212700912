import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { AutoApprovalRun, AutoApprover } from '@partner-ledger/api';
import type { AppConfig } from '@partner-ledger/config';
import { SqliteLeaseStore } from '@partner-ledger/leases';
import { AutoApprovalLoop, autoApprovalIndicator, InProcessAutoApproval, LeasedAutoApproval, registerAutoApprovalMetrics } from './auto-approval.js';

/** An approver whose looks answer from a script: a result, or an error to throw. */
function scripted(...looks: (AutoApprovalRun | Error)[]) {
  const calls: number[] = [];
  const approver = {
    async run() {
      calls.push(Date.now());
      const next = looks.length > 1 ? looks.shift()! : looks[0];
      if (next instanceof Error) throw next;
      return next;
    },
    async dueNow() {
      return [
        { _id: 'a', pos: 1 },
        { _id: 'b', pos: 2 },
      ];
    },
  };
  return { approver: approver as unknown as AutoApprover, calls };
}

const logger = pino({ level: 'silent' });

describe('AutoApprovalLoop', () => {
  it('looks at start and then every interval, never two looks at once, until stopped', async () => {
    const { approver, calls } = scripted({ approved: 0, skipped: 0 });
    const loop = new AutoApprovalLoop(approver, 20, logger);
    loop.start();
    for (const end = Date.now() + 5_000; calls.length < 3 && Date.now() < end;) await new Promise((r) => setTimeout(r, 5));
    await loop.stop();
    const seen = calls.length;
    expect(seen).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < calls.length; i++) expect(calls[i] - calls[i - 1]).toBeGreaterThanOrEqual(15);
    await new Promise((r) => setTimeout(r, 60));
    expect(calls.length).toBe(seen);
  });

  it('a failed look fails the health check with its error, and the next good look clears it', async () => {
    const { approver } = scripted(new Error('read store unreachable'), { approved: 1, skipped: 0 });
    const loop = new AutoApprovalLoop(approver, 1_000, logger);
    const health = autoApprovalIndicator(new InProcessAutoApproval(loop));
    await loop.look();
    await expect(health.check()).rejects.toThrow('last look failed: read store unreachable');
    await loop.look();
    await expect(health.check()).resolves.toBeUndefined();
  });

  it('counts the approvals it made and reports the due backlog', async () => {
    const registry = new Registry();
    let current: AutoApprovalLoop | null = null;
    const approvals = registerAutoApprovalMetrics(registry, () => current);
    const { approver } = scripted({ approved: 3, skipped: 1 });
    current = new AutoApprovalLoop(approver, 1_000, logger, approvals);
    await current.look();
    await current.look();
    const text = await registry.metrics();
    expect(text).toMatch(/^auto_approvals_total 6$/m);
    expect(text).toMatch(/^auto_approval_due 2$/m);
  });

  it('a standby (no loop) reports standby, not a failure', async () => {
    const health = autoApprovalIndicator({ current: () => null, onApplicationBootstrap: () => undefined, onApplicationShutdown: async () => undefined });
    await expect(health.check()).resolves.toMatch(/^standby/);
  });
});

describe('LeasedAutoApproval', () => {
  it('of two instances on one lease store, only the holder looks; the other is a standby until the holder stops', async () => {
    const leases = SqliteLeaseStore.open(':memory:');
    const config = { leaseTtlMs: 300, leaseRenewIntervalMs: 50 } as AppConfig;
    const a = scripted({ approved: 0, skipped: 0 });
    const b = scripted({ approved: 0, skipped: 0 });
    const roleA = new LeasedAutoApproval(new AutoApprovalLoop(a.approver, 20, logger), leases, config, logger);
    const roleB = new LeasedAutoApproval(new AutoApprovalLoop(b.approver, 20, logger), leases, config, logger);
    const waitFor = async (ok: () => boolean) => {
      for (const end = Date.now() + 5_000; !ok() && Date.now() < end;) await new Promise((r) => setTimeout(r, 10));
      expect(ok()).toBe(true);
    };
    try {
      roleA.onApplicationBootstrap();
      await waitFor(() => a.calls.length >= 2);
      roleB.onApplicationBootstrap();
      await new Promise((r) => setTimeout(r, 200));
      expect(b.calls).toEqual([]);
      await expect(autoApprovalIndicator(roleB).check()).resolves.toMatch(/^standby/);
      // A clean stop releases the lease: the standby takes over and looks.
      await roleA.onApplicationShutdown();
      await waitFor(() => b.calls.length >= 1);
      expect(roleB.current()).not.toBeNull();
    } finally {
      await roleA.onApplicationShutdown();
      await roleB.onApplicationShutdown();
    }
  });
});
