import { type DynamicModule, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { AppConfig } from '@partner-ledger/config';
import { type Clock, createLogger } from '@partner-ledger/platform';
import { READ_SIDE, type ReadSide } from '@partner-ledger/projections';
import type { WebhookPublisher } from '@partner-ledger/webhook-runtime';
import type { WebhookThreads } from '@partner-ledger/webhook-threads';
import { ApiRoleModule } from './api-role.module.js';
import type { Composition } from './composition.js';
import { DeliveryWorkerModule } from './delivery-worker.module.js';
import { ProjectorModule } from './projector.module.js';
import { PUBLISHER, PublisherModule } from './publisher.module.js';
import { startApp } from './start-app.js';
import { WebhookThreadsModule } from './webhook-threads.module.js';

/**
 * Every role in one process (apps/engine), on the embedded adapters unless the config names
 * others. It lives here rather than in apps/engine because startEngine, which the test fixture and
 * the benches use, starts it too.
 */
@Module({})
export class EngineModule {
  /** `threads`: the webhook threads when the engine's main started them already (startWebhookThreadsEarly). */
  static forRoot(app: Composition, threads: WebhookThreads | null = null): DynamicModule {
    return {
      module: EngineModule,
      // The projector first: the API reads through its read side.
      // The webhook roles in worker threads (WEBHOOK_THREADS, default 1) unless it is 0: then on this thread.
      imports: [
        ProjectorModule.forRoot(app),
        ApiRoleModule.forRoot(app),
        ...(app.config.webhookThreads > 0 ? [WebhookThreadsModule.forRoot(app, threads)] : [PublisherModule.forRoot(app), DeliveryWorkerModule.forRoot(app)]),
        app.finish(),
      ],
    };
  }
}

export const ENGINE_APP = { readyMessage: 'partner-ledger engine listening', title: 'partner-ledger', errorPrefix: 'partner-ledger' } as const;

export interface RunningEngine {
  app: NestFastifyApplication;
  url: string;
  adminApiKey: string;
  readSide: ReadSide;
  /** The publisher, when it runs on the main thread (WEBHOOK_THREADS=0); null when it runs in a webhook thread. */
  publisher: WebhookPublisher | null;
  close(): Promise<void>;
}

/** Every role in one process, on the embedded adapters unless the config names others. */
export async function startEngine(
  config: AppConfig,
  logger: Logger = createLogger({ level: config.logLevel as never, name: 'engine' }),
  options: { clock?: Clock; consoleAssetsDir?: string } = {},
): Promise<RunningEngine> {
  const { app, url, composition } = await startApp(config, logger, (c) => EngineModule.forRoot(c), { ...ENGINE_APP, ...options });
  return {
    app,
    url,
    adminApiKey: composition.adminApiKey!,
    readSide: app.get<ReadSide>(READ_SIDE, { strict: false }),
    publisher: config.webhookThreads > 0 ? null : app.get<WebhookPublisher>(PUBLISHER, { strict: false }),
    close: () => app.close(),
  };
}
