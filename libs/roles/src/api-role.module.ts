import { type DynamicModule, Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { ApiModule, AutoApprover, resolveAdminKey, resolvePortalSecret } from '@partner-ledger/api';
import { ConsoleModule } from '@partner-ledger/console';
import { LEASE_STORE, type LeaseStore } from '@partner-ledger/leases';
import { EVENT_STORE, type EventStore } from '@partner-ledger/event-store';
import { METRICS_REGISTRY } from '@partner-ledger/platform';
import { READ_SIDE, ReadSide, registerProjectionLagGauge } from '@partner-ledger/projections';
import { READ_STORE, type ReadStore } from '@partner-ledger/read-store';
import {
  AUTO_APPROVER_LEASE,
  AutoApprovalLoop,
  type AutoApprovalRole,
  autoApprovalIndicator,
  InProcessAutoApproval,
  LeasedAutoApproval,
  registerAutoApprovalMetrics,
} from './auto-approval.js';
import { AUTO_APPROVAL_HEALTH, type Composition } from './composition.js';
import { registerLeaseHeld } from './lease-held.js';

const AUTO_APPROVAL_ROLE = Symbol('AUTO_APPROVAL_ROLE');

/** Starts and stops the follower read side of an API whose projections run in another process. */
class FollowerLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(READ_SIDE) private readonly readSide: ReadSide) {}

  async onModuleInit(): Promise<void> {
    await this.readSide.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.readSide.stop();
  }
}

/** READ_SIDE for an API beside a separate projector: queries wait on the checkpoints it commits. */
@Module({})
class ReadSideFollowerModule {
  static forRoot(app: Composition): DynamicModule {
    return {
      module: ReadSideFollowerModule,
      imports: [app.events, app.readStore],
      providers: [
        {
          provide: READ_SIDE,
          inject: [EVENT_STORE, READ_STORE, METRICS_REGISTRY],
          useFactory: (events: EventStore, store: ReadStore, registry: Registry) => {
            const readSide = new ReadSide(events, store, app.logger, undefined, { mode: 'follow' });
            registerProjectionLagGauge(registry, () => readSide.lag());
            return readSide;
          },
        },
        FollowerLifecycle,
      ],
      exports: [READ_SIDE],
    };
  }
}

/**
 * The API role: the HTTP API on the process's stores and bus, reading through the in-process
 * projector's read side, or following a separate projector's checkpoints.
 */
@Module({})
export class ApiRoleModule {
  static forRoot(app: Composition): DynamicModule {
    const { config } = app;
    const admin = resolveAdminKey(config.dataDir, config.adminApiKey);
    if (admin.generated) {
      // Printed once, on the first start: the file in DATA_DIR is where to find it again.
      process.stdout.write(`\nAdmin API key (generated, saved in ${admin.file}):\n\n  ${admin.key}\n\n`);
    }
    app.adminApiKey = admin.key;
    const readSide = app.readSideModule ?? ReadSideFollowerModule.forRoot(app);
    // The engine (its own projector in process) owns its stores and looks always; API instances
    // beside a separate projector share theirs, and look one at a time, under a lease.
    const leased = app.singleActive || !app.readSideModule;
    const { logger } = app;
    const module: DynamicModule = {
      module: ApiRoleModule,
      providers: [
        {
          provide: AUTO_APPROVAL_ROLE,
          inject: [AutoApprover, METRICS_REGISTRY, ...(leased ? [LEASE_STORE] : [])],
          useFactory: (approver: AutoApprover, registry: Registry, leases?: LeaseStore): AutoApprovalRole => {
            let role: AutoApprovalRole | null = null;
            const approvals = registerAutoApprovalMetrics(registry, () => role?.current() ?? null);
            const loop = new AutoApprovalLoop(approver, config.autoApprovalIntervalMs, logger, approvals);
            if (!leases) return (role = new InProcessAutoApproval(loop));
            const leasedRole = new LeasedAutoApproval(loop, leases, config, logger);
            registerLeaseHeld(registry, leasedRole.keeper);
            return (role = leasedRole);
          },
        },
        { provide: AUTO_APPROVAL_HEALTH, inject: [AUTO_APPROVAL_ROLE], useFactory: autoApprovalIndicator },
      ],
      exports: [AUTO_APPROVAL_HEALTH],
      imports: [
        ...(leased ? [app.leases] : []),
        ApiModule.forRoot({
          adminApiKey: admin.key,
          portalSecret: resolvePortalSecret(config.dataDir, config.portalLinkSecret),
          webhooks: { allowed: config.webhookAllowedCidrs },
          incoming: { ratePerSecond: config.incomingWebhookRateLimit, publicUrl: config.publicUrl },
          // A SQLite read store is one file that one process owns: whatever job it left unfinished is its own.
          replay: { batchSize: config.webhookReplayBatchSize, logger: app.logger, soleInstance: !config.mongoUrl },
          autoApproval: { batchSize: config.autoApprovalBatchSize, logger: app.logger },
          streamCacheSize: config.streamCacheSize,
          imports: [app.events, app.bus, readSide],
        }),
        // The operator console rides with the API it calls: the engine and apps/api serve it.
        ConsoleModule.forRoot({ assetsDir: app.consoleAssetsDir }),
      ],
    };
    app.addRole('api', { module, token: AUTO_APPROVAL_HEALTH });
    if (leased) app.leaseNames.push(AUTO_APPROVER_LEASE);
    return module;
  }
}
