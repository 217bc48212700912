/**
 * `PlatformModule.forRoot()` is the DI half of the platform: `GET /health`, `GET /metrics` and the
 * app's metrics registry. `createHttpApp()` (bootstrap.ts) is the HTTP half and expects this module
 * in the app's graph, because the request-duration histogram must land in the same registry that
 * `/metrics` serves.
 *
 * A dynamic module rather than a `platformModule(indicators)` function returning a class, because
 * indicators usually need injected services (the event store, the read store), which a factory
 * with `inject` expresses and a plain array cannot. The registry is not an option: one passed in
 * when the module is declared would be shared by every app built from that module, and the
 * second app of a test process would fail on duplicate metric names. It is created by a factory
 * instead, once per app, and the module is global so any provider can inject `METRICS_REGISTRY`
 * to add its own metrics, and `CLOCK` (clock.ts) for the time.
 */
import { Module, type DynamicModule, type FactoryProvider, type ModuleMetadata } from '@nestjs/common';
import { DEFAULT_HEALTH_CHECK_TIMEOUT_MS, HEALTH_CHECK_TIMEOUT_MS, HEALTH_INDICATORS, HealthController, type HealthIndicator } from './health.js';
import { CLOCK, type Clock, systemClock } from './clock.js';
import { MetricsController } from './metrics.controller.js';
import { createMetricsRegistry, METRICS_REGISTRY } from './metrics.js';

export interface HealthIndicatorsFactory {
  inject?: FactoryProvider['inject'];
  useFactory: FactoryProvider<HealthIndicator[]>['useFactory'];
}

export interface PlatformModuleOptions {
  /** Checks behind `GET /health`: a fixed list, or a factory when they need injected services. */
  indicators?: HealthIndicator[] | HealthIndicatorsFactory;
  /** Modules that export what the indicators factory injects, when they are not global. */
  imports?: ModuleMetadata['imports'];
  /** Bound on each check (default 5 s). */
  healthCheckTimeoutMs?: number;
  /** What `CLOCK` provides to the whole app (default the system clock; tests pass one they move). */
  clock?: Clock;
}

@Module({})
export class PlatformModule {
  static forRoot(options: PlatformModuleOptions = {}): DynamicModule {
    const indicators = options.indicators ?? [];
    const indicatorsProvider: FactoryProvider = Array.isArray(indicators)
      ? { provide: HEALTH_INDICATORS, useFactory: () => indicators }
      : { provide: HEALTH_INDICATORS, inject: indicators.inject ?? [], useFactory: indicators.useFactory };
    return {
      module: PlatformModule,
      global: true,
      imports: options.imports ?? [],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: METRICS_REGISTRY, useFactory: createMetricsRegistry },
        indicatorsProvider,
        { provide: HEALTH_CHECK_TIMEOUT_MS, useValue: options.healthCheckTimeoutMs ?? DEFAULT_HEALTH_CHECK_TIMEOUT_MS },
        { provide: CLOCK, useValue: options.clock ?? systemClock },
      ],
      exports: [METRICS_REGISTRY, CLOCK],
    };
  }
}
