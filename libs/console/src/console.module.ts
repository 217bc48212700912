import { type DynamicModule, Module } from '@nestjs/common';
import { fileURLToPath } from 'node:url';
import { CONSOLE_OPTIONS, ConsoleController, type ConsoleOptions, PortalPageController } from './console.controller.js';

/**
 * Where the console's browser modules are: `client/` beside this lib's `src/`. In `dist` (after
 * `npm run build`) it holds the compiled `.js` the browser loads; in a source checkout it holds the
 * `.ts` they are compiled from, so tests compile them first and pass their folder as `assetsDir`.
 */
export const CONSOLE_CLIENT_DIR = fileURLToPath(new URL('../client/', import.meta.url));

/** The operator console at `/console` and the portal pages at `/portal/partner` and `/portal/webhook-endpoint`: HTML pages and their ES modules, served by the app itself. */
@Module({})
export class ConsoleModule {
  static forRoot(options: Partial<ConsoleOptions> = {}): DynamicModule {
    return {
      module: ConsoleModule,
      controllers: [ConsoleController, PortalPageController],
      providers: [{ provide: CONSOLE_OPTIONS, useValue: { assetsDir: options.assetsDir ?? CONSOLE_CLIENT_DIR } satisfies ConsoleOptions }],
    };
  }
}
