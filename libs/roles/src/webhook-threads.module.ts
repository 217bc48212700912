import { type DynamicModule, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { HealthIndicator } from '@partner-ledger/platform';
import { WebhookThreads } from '@partner-ledger/webhook-threads';
import type { Composition } from './composition.js';

export const WEBHOOK_THREADS_HEALTH = Symbol('WEBHOOK_THREADS_HEALTH');

/** The threads as a role of the app: started before it listens, stopped before its stores close. */
class WebhookThreadsRole implements OnModuleInit, OnApplicationShutdown {
  constructor(private readonly threads: WebhookThreads) {}

  onModuleInit(): Promise<void> {
    return this.threads.ready();
  }

  onApplicationShutdown(): Promise<void> {
    return this.threads.stop();
  }

  indicator(): HealthIndicator {
    return {
      name: 'webhook-threads',
      check: async () => {
        const problems = await this.threads.problems();
        if (problems.length) throw new Error(problems.join('; '));
        return `${this.threads.count} running`;
      },
    };
  }
}

/**
 * The publisher and delivery worker roles of the engine, in WEBHOOK_THREADS worker threads (the
 * webhook-threads lib). They open no store on the main thread. The engine's main starts the threads
 * before it loads the engine and passes them in; otherwise (tests, scripts) they start here.
 */
@Module({})
export class WebhookThreadsModule {
  static forRoot(app: Composition, started: WebhookThreads | null = null): DynamicModule {
    const { config, logger } = app;
    const threads = started ?? new WebhookThreads(config, (logger.bindings() as { name?: string }).name);
    threads.attachLogger(logger);
    const role = new WebhookThreadsRole(threads);
    const module: DynamicModule = {
      module: WebhookThreadsModule,
      providers: [
        { provide: WebhookThreadsRole, useValue: role },
        { provide: WEBHOOK_THREADS_HEALTH, useValue: role.indicator() },
      ],
      exports: [WEBHOOK_THREADS_HEALTH],
    };
    app.addRole('publisher');
    app.addRole('delivery-worker', { module, token: WEBHOOK_THREADS_HEALTH });
    return module;
  }
}
