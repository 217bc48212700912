import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { openReadStore, type ReadStoreConfig } from './open-read-store.js';
import type { ReadStore } from './read-store.port.js';

/** Injection token of the ReadStore port. */
export const READ_STORE = Symbol('READ_STORE');

/** Provides READ_STORE as the configuration selects; closes it after the modules importing this one. */
@Module({})
export class ReadStoreModule implements OnApplicationShutdown {
  constructor(@Inject(READ_STORE) private readonly store: ReadStore) {}

  static forRoot(config: ReadStoreConfig): DynamicModule {
    return {
      module: ReadStoreModule,
      providers: [{ provide: READ_STORE, useFactory: () => openReadStore(config) }],
      exports: [READ_STORE],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
