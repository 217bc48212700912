import { type DynamicModule, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { BUS, type Bus } from '@partner-ledger/bus';
import { READ_STORE, type ReadStore } from '@partner-ledger/read-store';
import { type DeliveryWorker, deliveryWorkerOf } from '@partner-ledger/webhook-runtime';
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

/**
 * The delivery worker role on the app's own thread: bus → signed POSTs through the SSRF-guarded
 * dispatcher. The engine runs it in worker threads instead unless WEBHOOK_THREADS=0
 * (webhook-threads.module.ts).
 */
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
          useFactory: (bus: Bus, store: ReadStore) => new DeliveryWorkerRole(deliveryWorkerOf(bus, store, config, logger)),
        },
      ],
    };
    app.addRole('delivery-worker');
    return module;
  }
}
