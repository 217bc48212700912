import { type DynamicModule, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { BUS, type Bus } from '@partner-ledger/bus';
import type { AppConfig } from '@partner-ledger/config';
import { EVENT_STORE, type EventStore } from '@partner-ledger/event-store';
import { FencedBus, FencedReadStore, LEASE_STORE, type LeaseStore, SingleActive } from '@partner-ledger/leases';
import { type HealthIndicator, METRICS_REGISTRY } from '@partner-ledger/platform';
import { READ_STORE, type ReadStore } from '@partner-ledger/read-store';
import { CONFIG_NAMESPACE, PUBLISHER_CHECKPOINT, WebhookPublisher } from '@partner-ledger/webhook-runtime';
import { type Composition, PUBLISHER_HEALTH } from './composition.js';
import { registerLeaseHeld } from './lease-held.js';

/** Lease name: one publisher per deployment (per read store). */
export const PUBLISHER_LEASE = PUBLISHER_CHECKPOINT;

/** The in-process publisher (the engine's); absent under a lease. */
export const PUBLISHER = Symbol('PUBLISHER');
const PUBLISHER_ROLE = Symbol('PUBLISHER_ROLE');

interface PublisherRole extends OnModuleInit, OnApplicationShutdown {
  current(): WebhookPublisher | null;
}

class InProcessPublisher implements PublisherRole {
  constructor(readonly publisher: WebhookPublisher) {}

  current(): WebhookPublisher {
    return this.publisher;
  }

  async onModuleInit(): Promise<void> {
    await this.publisher.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.stop();
  }
}

/** Single-active (apps/publisher): resumes from the checkpoint the previous holder confirmed. */
export class LeasedPublisher implements PublisherRole {
  private running: WebhookPublisher | null = null;
  readonly keeper: SingleActive;

  constructor(events: EventStore, bus: Bus, store: ReadStore, leases: LeaseStore, config: AppConfig, logger: Logger) {
    this.keeper = new SingleActive(
      leases,
      PUBLISHER_LEASE,
      async (fence) => {
        const from = (await store.getCheckpoint(CONFIG_NAMESPACE, PUBLISHER_CHECKPOINT)).position;
        logger.info({ lease: PUBLISHER_LEASE, token: fence.token, checkpoint: from === null ? null : String(from) }, 'publisher resuming from its checkpoint');
        const publisher = new WebhookPublisher(events, new FencedBus(bus, fence), new FencedReadStore(store, fence), { logger });
        await publisher.start();
        this.running = publisher;
        return {
          stop: async () => {
            await publisher.stop();
            if (this.running === publisher) this.running = null;
          },
          failure: () => publisher.error,
        };
      },
      { ttlMs: config.leaseTtlMs, renewIntervalMs: config.leaseRenewIntervalMs, logger },
    );
  }

  current(): WebhookPublisher | null {
    return this.running;
  }

  onModuleInit(): void {
    this.keeper.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.keeper.stop();
  }
}

function publisherIndicator(role: PublisherRole): HealthIndicator {
  return {
    name: 'webhook-publisher',
    check: async () => {
      const error = role.current()?.error;
      if (error) throw error;
    },
  };
}

/** The publisher role: the log → one bus message per (event, subscribed endpoint). */
@Module({})
export class PublisherModule {
  static forRoot(app: Composition): DynamicModule {
    const { config, logger } = app;
    const module: DynamicModule = {
      module: PublisherModule,
      imports: [app.events, app.bus, app.readStore, ...(app.singleActive ? [app.leases] : [])],
      providers: [
        app.singleActive
          ? {
              provide: PUBLISHER_ROLE,
              inject: [EVENT_STORE, BUS, READ_STORE, LEASE_STORE, METRICS_REGISTRY],
              useFactory: (events: EventStore, bus: Bus, store: ReadStore, leases: LeaseStore, registry: Registry) => {
                const role = new LeasedPublisher(events, bus, store, leases, config, logger);
                registerLeaseHeld(registry, role.keeper);
                return role;
              },
            }
          : {
              provide: PUBLISHER_ROLE,
              inject: [EVENT_STORE, BUS, READ_STORE],
              useFactory: (events: EventStore, bus: Bus, store: ReadStore) => new InProcessPublisher(new WebhookPublisher(events, bus, store, { logger })),
            },
        { provide: PUBLISHER_HEALTH, inject: [PUBLISHER_ROLE], useFactory: publisherIndicator },
        { provide: PUBLISHER, inject: [PUBLISHER_ROLE], useFactory: (role: PublisherRole) => (app.singleActive ? null : role.current()) },
      ],
      exports: [PUBLISHER_HEALTH, PUBLISHER],
    };
    app.addRole('publisher', { module, token: PUBLISHER_HEALTH });
    if (app.singleActive) app.leaseNames.push(PUBLISHER_LEASE);
    return module;
  }
}
