import { type DynamicModule, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AppConfig } from '@partner-ledger/config';
import { EVENT_STORE, type EventStore } from '@partner-ledger/event-store';
import { FencedReadStore, LEASE_STORE, type LeaseStore, SingleActive } from '@partner-ledger/leases';
import type { HealthIndicator } from '@partner-ledger/platform';
import { METRICS_REGISTRY } from '@partner-ledger/platform';
import { type Lag, MAX_COUNTED_LAG, READ_SIDE, ReadSide, registerProjectionLagGauge } from '@partner-ledger/projections';
import { READ_STORE, type ReadStore } from '@partner-ledger/read-store';
import { type Composition, PROJECTIONS_HEALTH } from './composition.js';
import { registerLeaseHeld } from './lease-held.js';

/** Lease name: one projector per deployment (per read store). */
export const PROJECTOR_LEASE = 'projector';

const PROJECTOR = Symbol('PROJECTOR');

interface Projector extends OnModuleInit, OnApplicationShutdown {
  /** The running read side; null while a leased projector waits as a standby. */
  current(): ReadSide | null;
}

/** In one process with its stores (the engine): the projections run from start to shutdown. */
class InProcessProjector implements Projector {
  constructor(readonly readSide: ReadSide) {}

  current(): ReadSide {
    return this.readSide;
  }

  async onModuleInit(): Promise<void> {
    await this.readSide.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.readSide.stop();
  }
}

/** Single-active (apps/projector): runs only while it holds the lease; its writes go through the fence. */
class LeasedProjector implements Projector {
  private running: ReadSide | null = null;
  readonly keeper: SingleActive;

  constructor(events: EventStore, store: ReadStore, leases: LeaseStore, config: AppConfig, logger: Logger) {
    this.keeper = new SingleActive(
      leases,
      PROJECTOR_LEASE,
      async (fence) => {
        const readSide = new ReadSide(events, new FencedReadStore(store, fence), logger);
        try {
          await readSide.start();
        } catch (error) {
          await readSide.stop();
          throw error;
        }
        this.running = readSide;
        return {
          stop: async () => {
            await readSide.stop();
            if (this.running === readSide) this.running = null;
          },
          failure: () => readSide.failures[0]?.error ?? null,
        };
      },
      { ttlMs: config.leaseTtlMs, renewIntervalMs: config.leaseRenewIntervalMs, logger },
    );
  }

  current(): ReadSide | null {
    return this.running;
  }

  onModuleInit(): void {
    this.keeper.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.keeper.stop();
  }
}

/**
 * Failed when a projection stopped on an error; healthy but "catching up" while a projection trails
 * the log, so a load balancer keeps the process in (it answers, and its queries wait for their
 * positions) and an operator sees how far behind it is.
 */
function projectionsIndicator(projector: Projector): HealthIndicator {
  return {
    name: 'projections',
    check: async () => {
      const readSide = projector.current();
      if (!readSide) return 'standby: another instance holds the lease';
      const failed = readSide.failures;
      if (failed.length) throw new Error(failed.map((f) => `${f.projection}: ${f.error.message}`).join('; '));
      return catchingUp(await readSide.lag());
    },
  };
}

/** Which projections trail the log and by how many events (counted up to MAX_COUNTED_LAG). */
function catchingUp(lags: Lag[]): string | undefined {
  const behind = lags.filter((l) => l.eventsBehind > 0);
  if (!behind.length) return undefined;
  const count = (l: Lag) => (l.eventsBehind >= MAX_COUNTED_LAG ? `${MAX_COUNTED_LAG}+` : String(l.eventsBehind));
  return `catching up: ${behind.map((l) => `${l.projection} ${count(l)} events behind`).join(', ')}`;
}

/**
 * The projector role: the log → read models. In process it also provides READ_SIDE, what the API
 * of the same process queries through (declare it before the API role then).
 */
@Module({})
export class ProjectorModule {
  static forRoot(app: Composition): DynamicModule {
    if (!app.singleActive && app.roles.includes('api')) throw new Error('ProjectorModule: declare the in-process projector before the API role that reads through it');
    const { config, logger } = app;
    const imports = [app.events, app.readStore, ...(app.singleActive ? [app.leases] : [])];
    const module: DynamicModule = {
      module: ProjectorModule,
      imports,
      providers: [
        app.singleActive
          ? {
              provide: PROJECTOR,
              inject: [EVENT_STORE, READ_STORE, LEASE_STORE, METRICS_REGISTRY],
              useFactory: (events: EventStore, store: ReadStore, leases: LeaseStore, registry: Registry) => {
                const projector = new LeasedProjector(events, store, leases, config, logger);
                registerLeaseHeld(registry, projector.keeper);
                registerProjectionLagGauge(registry, async () => projector.current()?.lag() ?? []);
                return projector;
              },
            }
          : {
              provide: PROJECTOR,
              inject: [EVENT_STORE, READ_STORE, METRICS_REGISTRY],
              useFactory: (events: EventStore, store: ReadStore, registry: Registry) => {
                // PROJECTOR_THREAD=webhooks: the first webhook thread runs the projections (the engine
                // only); this thread's read side follows the checkpoints it commits.
                const elsewhere = config.projectorThread === 'webhooks' && config.webhookThreads > 0;
                const projector = new InProcessProjector(new ReadSide(events, store, logger, undefined, elsewhere ? { mode: 'follow' } : {}));
                registerProjectionLagGauge(registry, () => projector.readSide.lag());
                return projector;
              },
            },
        { provide: PROJECTIONS_HEALTH, inject: [PROJECTOR], useFactory: projectionsIndicator },
        ...(app.singleActive ? [] : [{ provide: READ_SIDE, inject: [PROJECTOR], useFactory: (p: InProcessProjector) => p.readSide }]),
      ],
      exports: [PROJECTIONS_HEALTH, ...(app.singleActive ? [] : [READ_SIDE])],
    };
    app.addRole('projector', { module, token: PROJECTIONS_HEALTH });
    if (app.singleActive) app.leaseNames.push(PROJECTOR_LEASE);
    if (!app.singleActive) app.readSideModule = module;
    return module;
  }
}
