import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { ApiModule } from '@partner-ledger/api';
import { resolveAdminKey } from '@partner-ledger/api';
import type { AppConfig } from '@partner-ledger/config';
import type { EventStore } from '@partner-ledger/event-store';
import { EventStoreDbEventStore } from '@partner-ledger/event-store';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { MongoReadStore } from '@partner-ledger/read-store';
import { ReadSide } from '@partner-ledger/projections';
import type { ReadStore } from '@partner-ledger/read-store';
import { SqliteReadStore } from '@partner-ledger/read-store';
import type { Lag } from '@partner-ledger/projections';
import { FencedBus, FencedReadStore } from '@partner-ledger/leases';
import type { LeaseStore } from '@partner-ledger/leases';
import { SingleActive } from '@partner-ledger/leases';
import { SqliteLeaseStore } from '@partner-ledger/leases';
import { createHttpApp, createLogger, type HealthIndicator, METRICS_REGISTRY, PlatformModule } from '@partner-ledger/platform';
import { guardedDispatcher, parseAllowedCidrs } from '@partner-ledger/webhook-runtime';
import type { Bus } from '@partner-ledger/bus';
import { parseRetrySchedule } from '@partner-ledger/bus';
import { SqliteBus } from '@partner-ledger/bus';
import { DeliveryWorker } from '@partner-ledger/webhook-runtime';
import { PUBLISHER_CHECKPOINT, WebhookPublisher } from '@partner-ledger/webhook-runtime';
import { CONFIG_NAMESPACE } from '@partner-ledger/webhook-runtime';
import type { WebhookPolicy } from '@partner-ledger/api';

export const DATABASE_FILE = 'partner-ledger.db';
const RESOURCES = Symbol('RESOURCES');

/** The roles one process can run; `apps/engine` runs them all, each other app one of them. */
export type Role = 'api' | 'projector' | 'publisher' | 'delivery-worker';
export const ALL_ROLES: readonly Role[] = Object.freeze(['api', 'projector', 'publisher', 'delivery-worker']);

/** Lease names: one projector and one publisher per deployment (per read store). */
export const PROJECTOR_LEASE = 'projector';
export const PUBLISHER_LEASE = PUBLISHER_CHECKPOINT;

interface Resources {
  events: EventStore | null;
  /** Null only while startRoles is still opening it. */
  readStore: ReadStore | null;
  bus: Bus | null;
  leaseStore: LeaseStore | null;
  /** Producers and consumers: stopped first, together, each saving its checkpoint or outcomes. */
  stoppers: (() => Promise<void>)[];
  indicators: HealthIndicator[];
  metrics: ((registry: Registry) => void)[];
}

/**
 * Shuts down in dependency order once the HTTP server has drained: projections, publisher and
 * delivery worker first (each saves its checkpoint or outcomes, and a lease holder then releases
 * its lease so a standby takes over at once), then the bus and the stores.
 */
@Injectable()
class ResourcesLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(RESOURCES) private readonly resources: Resources,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    for (const register of resources.metrics) register(registry);
  }

  async onApplicationShutdown() {
    await closeResources(this.resources);
  }
}

async function closeResources({ stoppers, bus, leaseStore, readStore, events }: Resources): Promise<void> {
  await Promise.all(stoppers.map((stop) => stop()));
  await bus?.close();
  await leaseStore?.close();
  await readStore?.close();
  await events?.close();
}

@Module({})
class EngineModule {
  static forRoot(resources: Resources, api: { readSide: ReadSide; adminApiKey: string; webhooks: WebhookPolicy; config: AppConfig } | null): DynamicModule {
    const { events, bus } = resources;
    const apiModules = [];
    if (api) {
      const { readSide, adminApiKey, webhooks } = api;
      apiModules.push(
        ApiModule.forRoot({
          eventStore: events!,
          readSide,
          adminApiKey,
          webhooks,
          bus: bus!,
          incoming: { ratePerSecond: api.config.incomingWebhookRateLimit, publicUrl: api.config.publicUrl },
        }),
      );
    }
    return {
      module: EngineModule,
      imports: [...apiModules, PlatformModule.forRoot({ indicators: resources.indicators })],
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

/** Leases beside the read models: MongoDB with MONGO_URL, else the SQLite file. */
export async function openLeaseStore(config: Pick<AppConfig, 'mongoUrl' | 'dataDir'>): Promise<LeaseStore> {
  if (config.mongoUrl) {
    const { MongoLeaseStore } = await import('@partner-ledger/leases');
    return MongoLeaseStore.connect(config.mongoUrl);
  }
  mkdirSync(config.dataDir, { recursive: true });
  return SqliteLeaseStore.open(join(config.dataDir, DATABASE_FILE));
}

/** The webhook bus: RabbitMQ when AMQP_URL is set, else a queue table in the SQLite file. */
export async function openBus(config: Pick<AppConfig, 'amqpUrl' | 'dataDir' | 'webhookRetrySchedule'> & Partial<Pick<AppConfig, 'amqpPrefix'>>, logger?: Logger): Promise<Bus> {
  const retrySchedule = parseRetrySchedule(config.webhookRetrySchedule);
  if (config.amqpUrl) {
    const { RabbitMqBus } = await import('@partner-ledger/bus');
    return RabbitMqBus.connect(config.amqpUrl, { retrySchedule, logger, ...(config.amqpPrefix ? { prefix: config.amqpPrefix } : {}) });
  }
  mkdirSync(config.dataDir, { recursive: true });
  return SqliteBus.open(join(config.dataDir, DATABASE_FILE), { retrySchedule });
}

export interface RoleOptions {
  /** Default: every role. */
  roles?: readonly Role[];
  /**
   * Run the projector and the publisher under a lease (the separate apps do): another instance
   * waits as a standby and takes over when this one dies. The engine alone owns its stores and
   * needs none, so a restart resumes at once instead of waiting out a dead holder's TTL.
   */
  singleActive?: boolean;
  /** The log line once listening (tests and scripts wait for it). */
  readyMessage?: string;
  /** OpenAPI title. */
  title?: string;
}

export interface RunningRoles {
  app: NestFastifyApplication;
  url: string;
  port: number;
  roles: readonly Role[];
  adminApiKey: string | null;
  /** What the API reads through: the in-process projections, or the projector's checkpoints (`follow`). */
  readSide: ReadSide | null;
  /** The in-process publisher (not under a lease). */
  publisher: WebhookPublisher | null;
  /** The single-active roles' lease keepers. */
  leases: SingleActive[];
  close(): Promise<void>;
}

/**
 * Composes the roles a process runs, on the embedded adapters unless the config names others.
 * Every role is the same class in every app: `apps/engine` runs them all in one process (the
 * default), the other apps one each.
 */
export async function startRoles(config: AppConfig, logger: Logger, options: RoleOptions = {}): Promise<RunningRoles> {
  const roles = ALL_ROLES.filter((r) => (options.roles ?? ALL_ROLES).includes(r));
  const has = (role: Role) => roles.includes(role);
  const singleActive = options.singleActive ?? false;

  let adminApiKey: string | null = null;
  if (has('api')) {
    const admin = resolveAdminKey(config.dataDir, config.adminApiKey);
    if (admin.generated) {
      // Printed once, on the first start: the file in DATA_DIR is where to find it again.
      process.stdout.write(`\nAdmin API key (generated, saved in ${admin.file}):\n\n  ${admin.key}\n\n`);
    }
    adminApiKey = admin.key;
  }

  const resources: Resources = { events: null, readStore: null, bus: null, leaseStore: null, stoppers: [], indicators: [], metrics: [] };
  const keepers: SingleActive[] = [];
  let apiReadSide: ReadSide | null = null;
  let embeddedPublisher: WebhookPublisher | null = null;
  try {
    const events = has('api') || has('projector') || has('publisher') ? openEventStore(config) : null;
    resources.events = events;
    if (events) resources.indicators.push({ name: 'event-store', check: () => events.ping() });
    const readStore = await openReadStore(config);
    resources.readStore = readStore;
    resources.indicators.push({ name: 'read-store', check: () => readStore.ping() });
    const leaseStore = singleActive && (has('projector') || has('publisher')) ? await openLeaseStore(config) : null;
    resources.leaseStore = leaseStore;
    const underLease = (name: string, start: ConstructorParameters<typeof SingleActive>[2]) => {
      const keeper = new SingleActive(leaseStore!, name, start, { ttlMs: config.leaseTtlMs, renewIntervalMs: config.leaseRenewIntervalMs, logger });
      keepers.push(keeper);
      resources.stoppers.push(() => keeper.stop());
      return keeper;
    };

    let lagOf: (() => Promise<Lag[]>) | null = null;
    if (has('projector')) {
      if (!singleActive) {
        const readSide = new ReadSide(events!, readStore, logger);
        await readSide.start();
        resources.stoppers.push(() => readSide.stop());
        resources.indicators.push(projectionsIndicator(() => readSide));
        apiReadSide = readSide;
        lagOf = () => readSide.lag();
      } else {
        let current: ReadSide | null = null;
        underLease(PROJECTOR_LEASE, async (fence) => {
          const readSide = new ReadSide(events!, new FencedReadStore(readStore, fence), logger);
          try {
            await readSide.start();
          } catch (error) {
            await readSide.stop();
            throw error;
          }
          current = readSide;
          return {
            stop: async () => {
              await readSide.stop();
              if (current === readSide) current = null;
            },
            failure: () => readSide.failures[0]?.error ?? null,
          };
        }).start();
        resources.indicators.push(projectionsIndicator(() => current));
        lagOf = async () => (current ? current.lag() : []);
      }
    }
    if (has('api') && !apiReadSide) {
      // The projections run in another process: queries wait on the checkpoints it commits.
      apiReadSide = new ReadSide(events!, readStore, logger, undefined, { mode: 'follow' });
      await apiReadSide.start();
      const follower = apiReadSide;
      lagOf ??= () => follower.lag();
    }
    if (lagOf) {
      const lag = lagOf;
      resources.metrics.push((registry) => {
        new Gauge({
          name: 'projection_lag_events',
          help: 'Events in the log not yet applied by each projection',
          labelNames: ['projection'],
          registers: [registry],
          async collect() {
            for (const l of await lag()) this.set({ projection: l.projection }, l.eventsBehind);
          },
        });
      });
    }

    const bus = has('api') || has('publisher') || has('delivery-worker') ? await openBus(config, logger) : null;
    resources.bus = bus;
    if (bus) resources.indicators.push({ name: 'bus', check: () => bus.ping() });
    if (has('publisher')) {
      if (!singleActive) {
        const publisher = new WebhookPublisher(events!, bus!, readStore, { logger });
        await publisher.start();
        resources.stoppers.push(() => publisher.stop());
        resources.indicators.push(publisherIndicator(() => publisher));
        embeddedPublisher = publisher;
      } else {
        let current: WebhookPublisher | null = null;
        underLease(PUBLISHER_LEASE, async (fence) => {
          // Where this tenure resumes: what the previous holder confirmed and checkpointed.
          const from = (await readStore.getCheckpoint(CONFIG_NAMESPACE, PUBLISHER_CHECKPOINT)).position;
          logger.info({ lease: PUBLISHER_LEASE, token: fence.token, checkpoint: from === null ? null : String(from) }, 'publisher resuming from its checkpoint');
          const publisher = new WebhookPublisher(events!, new FencedBus(bus!, fence), new FencedReadStore(readStore, fence), { logger });
          await publisher.start();
          current = publisher;
          return {
            stop: async () => {
              await publisher.stop();
              if (current === publisher) current = null;
            },
            failure: () => publisher.error,
          };
        }).start();
        resources.indicators.push(publisherIndicator(() => current));
      }
    }
    if (has('delivery-worker')) {
      const worker = new DeliveryWorker(bus!, readStore, { dispatcher: guardedDispatcher({ allowed: parseAllowedCidrs(config.webhookAllowedCidrs ?? null) }), logger });
      await worker.start();
      resources.stoppers.push(() => worker.stop());
    }
    if (keepers.length) {
      resources.metrics.push((registry) => {
        new Gauge({
          name: 'lease_held',
          help: '1 while this instance holds the lease of a single-active role (and runs it), 0 while it waits as a standby',
          labelNames: ['lease'],
          registers: [registry],
          collect() {
            for (const k of keepers) this.set({ lease: k.name }, k.isActive ? 1 : 0);
          },
        });
      });
    }
  } catch (error) {
    await closeResources(resources).catch(() => undefined);
    throw error;
  }

  const api = has('api') ? { readSide: apiReadSide!, adminApiKey: adminApiKey!, webhooks: { allowed: parseAllowedCidrs(config.webhookAllowedCidrs ?? null) }, config } : null;
  let app: NestFastifyApplication;
  try {
    app = await createHttpApp(EngineModule.forRoot(resources, api), {
      logger,
      title: options.title ?? 'partner-ledger',
      version: '0.1.0',
      description: 'Event-sourced engine for affiliate and referral programs',
      bodyLimitBytes: config.bodyLimitBytes,
    });
    await app.listen(config.port, config.host);
  } catch (error) {
    await closeResources(resources).catch(() => undefined);
    throw error;
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  logger.info(
    { port, roles, eventStore: resources.events?.kind, readStore: resources.readStore?.kind, bus: resources.bus?.kind, leases: keepers.map((k) => k.name), dataDir: config.dataDir },
    options.readyMessage ?? 'partner-ledger listening',
  );
  return { app, url: `http://${host}:${port}`, port, roles, adminApiKey, readSide: apiReadSide, publisher: embeddedPublisher, leases: keepers, close: () => app.close() };
}

function projectionsIndicator(readSide: () => ReadSide | null): HealthIndicator {
  return {
    name: 'projections',
    check: async () => {
      const failed = readSide()?.failures ?? [];
      if (failed.length) throw new Error(failed.map((f) => `${f.projection}: ${f.error.message}`).join('; '));
    },
  };
}

function publisherIndicator(publisher: () => WebhookPublisher | null): HealthIndicator {
  return {
    name: 'webhook-publisher',
    check: async () => {
      const error = publisher()?.error;
      if (error) throw error;
    },
  };
}

export interface RunningEngine {
  app: NestFastifyApplication;
  url: string;
  adminApiKey: string;
  readSide: ReadSide;
  publisher: WebhookPublisher;
  close(): Promise<void>;
}

/** Every role in one process, on the embedded adapters unless the config names others. */
export async function startEngine(config: AppConfig, logger: Logger = createLogger({ level: config.logLevel as never, name: 'engine' })): Promise<RunningEngine> {
  const running = await startRoles(config, logger, { roles: ALL_ROLES, readyMessage: 'partner-ledger engine listening' });
  return { app: running.app, url: running.url, adminApiKey: running.adminApiKey!, readSide: running.readSide!, publisher: running.publisher!, close: running.close };
}
