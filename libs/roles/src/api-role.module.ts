import { type DynamicModule, Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { ApiModule, resolveAdminKey } from '@partner-ledger/api';
import { EVENT_STORE, type EventStore } from '@partner-ledger/event-store';
import { METRICS_REGISTRY } from '@partner-ledger/platform';
import { READ_SIDE, ReadSide, registerProjectionLagGauge } from '@partner-ledger/projections';
import { READ_STORE, type ReadStore } from '@partner-ledger/read-store';
import type { Composition } from './composition.js';

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
    app.addRole('api');
    return {
      module: ApiRoleModule,
      imports: [
        ApiModule.forRoot({
          adminApiKey: admin.key,
          webhooks: { allowed: config.webhookAllowedCidrs },
          incoming: { ratePerSecond: config.incomingWebhookRateLimit, publicUrl: config.publicUrl },
          // A SQLite read store is one file that one process owns: whatever job it left unfinished is its own.
          replay: { batchSize: config.webhookReplayBatchSize, logger: app.logger, soleInstance: !config.mongoUrl },
          imports: [app.events, app.bus, readSide],
        }),
      ],
    };
  }
}
