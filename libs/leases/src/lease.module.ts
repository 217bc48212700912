import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { LeaseStore } from './lease.port.js';
import { type LeaseStoreConfig, openLeaseStore } from './open-lease-store.js';

/** Injection token of the LeaseStore port. */
export const LEASE_STORE = Symbol('LEASE_STORE');

/**
 * Provides LEASE_STORE as the configuration selects; closes it after the modules importing this
 * one, so each lease holder has released its lease first.
 */
@Module({})
export class LeaseModule implements OnApplicationShutdown {
  constructor(@Inject(LEASE_STORE) private readonly leases: LeaseStore) {}

  static forRoot(config: LeaseStoreConfig): DynamicModule {
    return {
      module: LeaseModule,
      providers: [{ provide: LEASE_STORE, useFactory: () => openLeaseStore(config) }],
      exports: [LEASE_STORE],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.leases.close();
  }
}
