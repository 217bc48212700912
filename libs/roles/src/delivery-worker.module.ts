import { type DynamicModule, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { BUS, type Bus } from '@partner-ledger/bus';
import { READ_STORE, type ReadStore } from '@partner-ledger/read-store';
import { DeliveryWorker, guardedDispatcher } from '@partner-ledger/webhook-runtime';
import type { Composition } from './composition.js';

class DeliveryWorkerRole implements OnModuleInit, OnApplicationShutdown {
  constructor(private readonly worker: DeliveryWorker) {}

  async onModuleInit(): Promise<void> {
    await this.worker.start();
  }

  /** Finishes the attempts in flight and records them. */
  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }
}

/** The delivery worker role: bus → signed POSTs through the SSRF-guarded dispatcher. */
@Module({})
export class DeliveryWorkerModule {
  static forRoot(app: Composition): DynamicModule {
    const { config, logger } = app;
    const module: DynamicModule = {
      module: DeliveryWorkerModule,
      imports: [app.bus, app.readStore],
      providers: [
        {
          provide: DeliveryWorkerRole,
          inject: [BUS, READ_STORE],
          useFactory: (bus: Bus, store: ReadStore) =>
            new DeliveryWorkerRole(
              new DeliveryWorker(bus, store, {
                dispatcher: guardedDispatcher({ allowed: config.webhookAllowedCidrs }),
                logger,
                gate: { circuitFailures: config.webhookCircuitFailures, probeIntervalMs: config.webhookCircuitProbeIntervalMs, throttlePauseMs: config.webhookThrottlePauseMs },
                endpointRefreshMs: config.webhookEndpointRefreshMs,
              }),
            ),
        },
      ],
    };
    app.addRole('delivery-worker');
    return module;
  }
}
