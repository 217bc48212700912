import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { ApiModule } from '../../api/src/api.module.js';
import { resolveAdminKey } from '../../api/src/auth/api-keys.js';
import type { AppConfig } from '../../../libs/config/src/config.js';
import type { EventStore } from '../../../libs/event-store/src/event-store.port.js';
import { EventStoreDbEventStore } from '../../../libs/event-store/src/eventstoredb/eventstoredb-event-store.js';
import { SqliteEventStore } from '../../../libs/event-store/src/sqlite/sqlite-event-store.js';
import { MongoReadStore } from '../../../libs/read-store/src/mongodb/mongodb-read-store.js';
import { ReadSide } from '../../../libs/read-store/src/read-side.js';
import type { ReadStore } from '../../../libs/read-store/src/read-store.port.js';
import { SqliteReadStore } from '../../../libs/read-store/src/sqlite/sqlite-read-store.js';
import { createHttpApp, createLogger, METRICS_REGISTRY, PlatformModule } from '../../../libs/platform/src/index.js';
import { guardedDispatcher, parseAllowedCidrs } from '../../../libs/webhooks/src/ssrf.js';
import type { Bus } from '../../../libs/bus/src/bus.port.js';
import { parseRetrySchedule } from '../../../libs/bus/src/retry-schedule.js';
import { SqliteBus } from '../../../libs/bus/src/sqlite/sqlite-bus.js';
import { DeliveryWorker } from '../../../libs/webhooks/src/delivery/delivery-worker.js';
import { WebhookPublisher } from '../../../libs/webhooks/src/delivery/publisher.js';
import type { WebhookPolicy } from '../../api/src/webhook-endpoints/webhook-endpoints.controller.js';

export const DATABASE_FILE = 'partner-ledger.db';
const RESOURCES = Symbol('RESOURCES');

interface Resources {
  events: EventStore;
  readStore: ReadStore;
  readSide: ReadSide;
  bus: Bus;
  publisher: WebhookPublisher;
  worker: DeliveryWorker;
}

/**
 * Shuts down in dependency order once the HTTP server has drained: projections, publisher and
 * delivery worker first (each saves its checkpoint or outcomes), then the bus and the stores.
 */
@Injectable()
class ResourcesLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(RESOURCES) private readonly resources: Resources,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    const readSide = resources.readSide;
    new Gauge({
      name: 'projection_lag_events',
      help: 'Events in the log not yet applied by each projection',
      labelNames: ['projection'],
      registers: [registry],
      async collect() {
        for (const lag of await readSide.lag()) this.set({ projection: lag.projection }, lag.eventsBehind);
      },
    });
  }

  async onApplicationShutdown() {
    const { publisher, worker, readSide, bus, readStore, events } = this.resources;
    // Producers and consumers first (each finishes its batch or attempts in hand and records it),
    // then what they write to.
    await Promise.all([publisher.stop(), worker.stop(), readSide.stop()]);
    await bus.close();
    await readStore.close();
    await events.close();
  }
}

@Module({})
class EngineModule {
  static forRoot(resources: Resources, adminApiKey: string, webhooks: WebhookPolicy): DynamicModule {
    const { events, readStore, readSide, bus, publisher } = resources;
    return {
      module: EngineModule,
      imports: [
        ApiModule.forRoot({ eventStore: events, readSide, adminApiKey, webhooks, bus }),
        PlatformModule.forRoot({
          indicators: [
            { name: 'event-store', check: () => events.ping() },
            { name: 'read-store', check: () => readStore.ping() },
            { name: 'bus', check: () => bus.ping() },
            {
              name: 'webhook-publisher',
              check: async () => {
                if (publisher.error) throw publisher.error;
              },
            },
            {
              name: 'projections',
              check: async () => {
                const failed = readSide.failures;
                if (failed.length) throw new Error(failed.map((f) => `${f.projection}: ${f.error.message}`).join('; '));
              },
            },
          ],
        }),
      ],
      providers: [{ provide: RESOURCES, useValue: resources }, ResourcesLifecycle],
    };
  }
}

export function openEventStore(config: Pick<AppConfig, 'eventStoreUrl' | 'dataDir'>): EventStore {
  if (config.eventStoreUrl) return EventStoreDbEventStore.connect(config.eventStoreUrl);
  mkdirSync(config.dataDir, { recursive: true });
  return SqliteEventStore.open(join(config.dataDir, DATABASE_FILE));
}

/** Read models in the same SQLite file as the events, unless MONGO_URL names a MongoDB. */
export async function openReadStore(config: Pick<AppConfig, 'mongoUrl' | 'dataDir'>): Promise<ReadStore> {
  if (config.mongoUrl) return MongoReadStore.connect(config.mongoUrl);
  mkdirSync(config.dataDir, { recursive: true });
  return SqliteReadStore.open(join(config.dataDir, DATABASE_FILE));
}

/** The webhook bus: RabbitMQ when AMQP_URL is set, else a queue table in the SQLite file. */
export async function openBus(config: Pick<AppConfig, 'amqpUrl' | 'dataDir' | 'webhookRetrySchedule'>, logger?: Logger): Promise<Bus> {
  const retrySchedule = parseRetrySchedule(config.webhookRetrySchedule);
  if (config.amqpUrl) {
    const { RabbitMqBus } = await import('../../../libs/bus/src/rabbitmq/rabbitmq-bus.js');
    return RabbitMqBus.connect(config.amqpUrl, { retrySchedule, logger });
  }
  mkdirSync(config.dataDir, { recursive: true });
  return SqliteBus.open(join(config.dataDir, DATABASE_FILE), { retrySchedule });
}

export interface RunningEngine {
  app: NestFastifyApplication;
  url: string;
  adminApiKey: string;
  readSide: ReadSide;
  publisher: WebhookPublisher;
  close(): Promise<void>;
}

/**
 * Every role in one process, on the embedded adapters unless the config names others: the API and
 * the projector today; the publisher and delivery workers join here as they land.
 */
export async function startEngine(config: AppConfig, logger: Logger = createLogger({ level: config.logLevel as never, name: 'engine' })): Promise<RunningEngine> {
  const admin = resolveAdminKey(config.dataDir, config.adminApiKey);
  if (admin.generated) {
    // Printed once, on the first start: the file in DATA_DIR is where to find it again.
    process.stdout.write(`\nAdmin API key (generated, saved in ${admin.file}):\n\n  ${admin.key}\n\n`);
  }
  const events = openEventStore(config);
  const readStore = await openReadStore(config);
  const readSide = new ReadSide(events, readStore, logger);
  await readSide.start();
  const webhooks = { allowed: parseAllowedCidrs(config.webhookAllowedCidrs ?? null) };
  const bus = await openBus(config, logger);
  const publisher = new WebhookPublisher(events, bus, readStore, { logger });
  const worker = new DeliveryWorker(bus, readStore, { dispatcher: guardedDispatcher({ allowed: webhooks.allowed }), logger });
  await publisher.start();
  await worker.start();
  const app = await createHttpApp(EngineModule.forRoot({ events, readStore, readSide, bus, publisher, worker }, admin.key, webhooks), {
    logger,
    title: 'partner-ledger',
    version: '0.1.0',
    description: 'Event-sourced engine for affiliate and referral programs',
    bodyLimitBytes: config.bodyLimitBytes,
  });
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  logger.info({ port, eventStore: events.kind, readStore: readStore.kind, bus: bus.kind, dataDir: config.dataDir }, 'partner-ledger engine listening');
  return { app, url: `http://${host}:${port}`, adminApiKey: admin.key, readSide, publisher, close: () => app.close() };
}
