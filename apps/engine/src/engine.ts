import { type DynamicModule, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ApiModule } from '../../api/src/api.module.js';
import { resolveAdminKey } from '../../api/src/auth/api-keys.js';
import type { AppConfig } from '../../../libs/config/src/config.js';
import type { EventStore } from '../../../libs/event-store/src/event-store.port.js';
import { EventStoreDbEventStore } from '../../../libs/event-store/src/eventstoredb/eventstoredb-event-store.js';
import { SqliteEventStore } from '../../../libs/event-store/src/sqlite/sqlite-event-store.js';
import { createHttpApp, createLogger, PlatformModule } from '../../../libs/platform/src/index.js';

export const DATABASE_FILE = 'partner-ledger.db';

@Module({})
class EngineModule {
  static forRoot(store: EventStore, adminApiKey: string): DynamicModule {
    return {
      module: EngineModule,
      imports: [
        ApiModule.forRoot({ eventStore: store, adminApiKey }),
        PlatformModule.forRoot({ indicators: [{ name: 'event-store', check: () => store.ping() }] }),
      ],
    };
  }
}

export function openEventStore(config: Pick<AppConfig, 'eventStoreUrl' | 'dataDir'>): EventStore {
  if (config.eventStoreUrl) return EventStoreDbEventStore.connect(config.eventStoreUrl);
  mkdirSync(config.dataDir, { recursive: true });
  return SqliteEventStore.open(join(config.dataDir, DATABASE_FILE));
}

export interface RunningEngine {
  app: NestFastifyApplication;
  url: string;
  adminApiKey: string;
  close(): Promise<void>;
}

/**
 * Every role in one process, on the embedded adapters unless the config names others. Later roles
 * (projector, publisher, delivery workers) join here as their modules land.
 */
export async function startEngine(config: AppConfig, logger: Logger = createLogger({ level: config.logLevel as never, name: 'engine' })): Promise<RunningEngine> {
  const admin = resolveAdminKey(config.dataDir, config.adminApiKey);
  if (admin.generated) {
    // Printed once, on the first start: the file in DATA_DIR is where to find it again.
    process.stdout.write(`\nAdmin API key (generated, saved in ${admin.file}):\n\n  ${admin.key}\n\n`);
  }
  const store = openEventStore(config);
  const app = await createHttpApp(EngineModule.forRoot(store, admin.key), {
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
  logger.info({ port, eventStore: store.kind, dataDir: config.dataDir }, 'partner-ledger engine listening');
  return { app, url: `http://${host}:${port}`, adminApiKey: admin.key, close: () => app.close() };
}
