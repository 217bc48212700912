import 'reflect-metadata';
import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigError, loadConfig } from '../../../libs/config/src/config.js';
import type { Bus } from '../../../libs/bus/src/bus.port.js';
import type { ReadStore } from '../../../libs/read-store/src/read-store.port.js';
import { createHttpApp, createLogger, PlatformModule } from '../../../libs/platform/src/index.js';
import { DeliveryWorker } from '../../../libs/webhooks/src/delivery/delivery-worker.js';
import { guardedDispatcher, parseAllowedCidrs } from '../../../libs/webhooks/src/ssrf.js';
import { openBus, openReadStore } from '../../engine/src/engine.js';

/**
 * A delivery worker on its own: bus → signed POSTs. Run as many as needed; they compete for the
 * same queue (RabbitMQ with AMQP_URL, or the SQLite file's queue on one machine). Answers /health and
 * /metrics on PORT; SIGTERM finishes the attempts in flight and records them.
 */
const RESOURCES = Symbol('RESOURCES');

@Injectable()
class WorkerLifecycle implements OnApplicationShutdown {
  constructor(@Inject(RESOURCES) private readonly r: { worker: DeliveryWorker; bus: Bus; store: ReadStore }) {}
  async onApplicationShutdown() {
    await this.r.worker.stop();
    await this.r.bus.close();
    await this.r.store.close();
  }
}

@Module({})
class WorkerModule {
  static forRoot(r: { worker: DeliveryWorker; bus: Bus; store: ReadStore }): DynamicModule {
    return {
      module: WorkerModule,
      imports: [PlatformModule.forRoot({ indicators: [{ name: 'bus', check: () => r.bus.ping() }, { name: 'read-store', check: () => r.store.ping() }] })],
      providers: [{ provide: RESOURCES, useValue: r }, WorkerLifecycle],
    };
  }
}

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`partner-ledger delivery-worker: ${error.message}\n`);
  process.exit(2);
}
const logger = createLogger({ level: config.logLevel as never, name: 'delivery-worker' });
(async () => {
  const store = await openReadStore(config);
  const bus = await openBus(config, logger);
  const worker = new DeliveryWorker(bus, store, { dispatcher: guardedDispatcher({ allowed: parseAllowedCidrs(config.webhookAllowedCidrs ?? null) }), logger });
  await worker.start();
  const app = await createHttpApp(WorkerModule.forRoot({ worker, bus, store }), { logger, title: 'partner-ledger delivery worker' });
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, bus: bus.kind, readStore: store.kind }, 'delivery worker running');
})().catch((error) => {
  logger.fatal({ err: error }, 'delivery worker failed to start');
  process.exit(1);
});
