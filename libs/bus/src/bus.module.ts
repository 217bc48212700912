import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Bus } from './bus.port.js';
import { type BusConfig, openBus } from './open-bus.js';

/** Injection token of the Bus port. */
export const BUS = Symbol('BUS');

/**
 * Provides BUS as the configuration selects; closes it after the modules importing this one, so
 * the publisher and the delivery workers have finished what they had in hand.
 */
@Module({})
export class BusModule implements OnApplicationShutdown {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  static forRoot(config: BusConfig, logger?: Logger): DynamicModule {
    return {
      module: BusModule,
      providers: [{ provide: BUS, useFactory: () => openBus(config, logger) }],
      exports: [BUS],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}
