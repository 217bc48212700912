import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { EventStore } from './event-store.port.js';
import { type EventStoreConfig, openEventStore } from './open-event-store.js';
import type { EventStoreMigrationLogger } from './sqlite/schema.js';

/** Injection token of the EventStore port. */
export const EVENT_STORE = Symbol('EVENT_STORE');

/**
 * Provides EVENT_STORE, opened as the configuration selects, and closes it when the application
 * shuts down. Nest shuts an importer down before what it imports, so every role using the store
 * has stopped by then.
 */
@Module({})
export class EventStoreModule implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly events: EventStore) {}

  static forRoot(config: EventStoreConfig, logger?: EventStoreMigrationLogger): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [{ provide: EVENT_STORE, useFactory: () => openEventStore(config, {}, logger) }],
      exports: [EVENT_STORE],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.events.close();
  }
}
