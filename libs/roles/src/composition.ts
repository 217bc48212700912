import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { BUS, type Bus, BusModule } from '@partner-ledger/bus';
import type { AppConfig } from '@partner-ledger/config';
import { EVENT_STORE, type EventStore, EventStoreModule } from '@partner-ledger/event-store';
import { LeaseModule } from '@partner-ledger/leases';
import { type Clock, type HealthIndicator, METRICS_REGISTRY, PlatformModule, systemClock } from '@partner-ledger/platform';
import type { Registry } from 'prom-client';
import { READ_STORE, type ReadStore, ReadStoreModule } from '@partner-ledger/read-store';
import { registerGroupCommitMetrics } from './group-commit-metrics.js';
import { registerWriteLockMetrics } from './write-lock-metrics.js';

/** The roles one process can run; `apps/engine` runs them all, each other app one of them. */
export type Role = 'api' | 'projector' | 'publisher' | 'delivery-worker';
export const ALL_ROLES: readonly Role[] = Object.freeze(['api', 'projector', 'publisher', 'delivery-worker']);

type Store = 'bus' | 'leases' | 'readStore' | 'events';
/** Closing order: Nest shuts an importing module down before the modules it imports. */
const CLOSING_ORDER: readonly Store[] = ['bus', 'leases', 'readStore', 'events'];

/** A health check a role module exports under `token`, in the order /health lists them. */
interface RoleHealth {
  module: DynamicModule;
  token: symbol;
}

/**
 * What the role modules of one app share: the configuration, the logger, and one dynamic module
 * per store they use, each created on first use so an app opens only what its roles need. Role
 * modules import the store modules, so Nest stops every role (each saving its checkpoint, a lease
 * holder releasing its lease) before it closes any store; `finish()` then chains the store modules
 * so that they close as they always have: bus, leases, read store, event store.
 */
export class Composition {
  private readonly stores = new Map<Store, DynamicModule>();
  private readonly health: RoleHealth[] = [];
  readonly roles: Role[] = [];
  /** The module providing READ_SIDE from an in-process projector, when there is one. */
  readSideModule: DynamicModule | null = null;
  /** The admin key, once the API role has resolved it. */
  adminApiKey: string | null = null;
  /** Where the console's compiled browser modules are, when not beside libs/console (tests build them). */
  consoleAssetsDir: string | undefined = undefined;

  constructor(
    readonly config: AppConfig,
    readonly logger: Logger,
    /**
     * Run the projector and the publisher under a lease (the separate apps do): another instance
     * waits as a standby and takes over when this one dies. The engine alone owns its stores and
     * needs none, so a restart resumes at once instead of waiting out a dead holder's TTL.
     */
    readonly singleActive = false,
    /** What the app's CLOCK provides (PlatformModule, declared by `finish()`). */
    readonly clock: Clock = systemClock,
  ) {}

  get events(): DynamicModule {
    return this.store('events', () => EventStoreModule.forRoot(this.config, this.logger));
  }

  get readStore(): DynamicModule {
    return this.store('readStore', () => ReadStoreModule.forRoot(this.config));
  }

  get bus(): DynamicModule {
    return this.store('bus', () => BusModule.forRoot(this.config, this.logger));
  }

  get leases(): DynamicModule {
    return this.store('leases', () => LeaseModule.forRoot(this.config));
  }

  /** The leases this app's single-active roles hold. */
  readonly leaseNames: string[] = [];

  /** Whether a role of this app opened that store. */
  uses(store: Store): boolean {
    return this.stores.has(store);
  }

  /** Called by each role module's forRoot. */
  addRole(role: Role, health?: RoleHealth): void {
    this.roles.push(role);
    if (health) this.health.push(health);
  }

  /**
   * The platform module, declared last (after every role): /health over the stores and the roles.
   * Links the store modules in closing order.
   */
  finish(): DynamicModule {
    const readStore = this.readStore;
    const present = CLOSING_ORDER.filter((s) => this.stores.has(s)).map((s) => this.stores.get(s)!);
    for (let i = 0; i + 1 < present.length; i++) present[i].imports = [...(present[i].imports ?? []), present[i + 1]];
    const has = (s: Store) => this.stores.has(s);
    const inject: symbol[] = [];
    const checks: ((dep: unknown) => HealthIndicator)[] = [];
    // Each check is typed by its own token's service; Nest hands the services in `inject` order.
    const add = <T>(token: symbol, check: (dep: T) => HealthIndicator) => {
      inject.push(token);
      checks.push((dep) => check(dep as T));
    };
    if (has('events')) add(EVENT_STORE, (events: EventStore) => ({ name: 'event-store', check: () => events.ping() }));
    add(READ_STORE, (store: ReadStore) => ({ name: 'read-store', check: () => store.ping() }));
    const projections = this.health.find((h) => h.token === PROJECTIONS_HEALTH);
    if (projections) add(projections.token, (indicator: HealthIndicator) => indicator);
    if (has('bus')) add(BUS, (bus: Bus) => ({ name: 'bus', check: () => bus.ping() }));
    for (const h of this.health) if (h !== projections) add(h.token, (indicator: HealthIndicator) => indicator);
    const metrics = has('events') ? [eventStoreMetrics(this.stores.get('events')!)] : [];
    return PlatformModule.forRoot({
      clock: this.clock,
      imports: [readStore, ...present, ...metrics, ...this.health.map((h) => h.module)],
      indicators: { inject, useFactory: (...deps: unknown[]) => deps.map((dep, i) => checks[i](dep)) },
    });
  }

  private store(name: Store, create: () => DynamicModule): DynamicModule {
    let module = this.stores.get(name);
    if (!module) {
      module = create();
      this.stores.set(name, module);
    }
    return module;
  }
}

/** Tokens of the roles' health indicators. */
export const PROJECTIONS_HEALTH = Symbol('PROJECTIONS_HEALTH');
export const PUBLISHER_HEALTH = Symbol('PUBLISHER_HEALTH');
export const AUTO_APPROVAL_HEALTH = Symbol('AUTO_APPROVAL_HEALTH');

@Module({})
class EventStoreMetricsModule {}
const EVENT_STORE_METRICS = Symbol('EVENT_STORE_METRICS');

/** The event store's own metrics (its group commits, and on SQLite the file's write lock) in the app's registry. */
function eventStoreMetrics(events: DynamicModule): DynamicModule {
  return {
    module: EventStoreMetricsModule,
    imports: [events],
    providers: [
      {
        provide: EVENT_STORE_METRICS,
        inject: [EVENT_STORE, METRICS_REGISTRY],
        useFactory: (store: EventStore, registry: Registry) => {
          const sqlite = registerGroupCommitMetrics(registry, store);
          // On the SQLite file, its write lock's too: the commits that take turns with the group commits.
          if (sqlite) registerWriteLockMetrics(registry);
          return sqlite;
        },
      },
    ],
  };
}
