import 'reflect-metadata';
import { ConfigError, loadConfig } from '../../../libs/config/src/config.js';
import { createLogger } from '../../../libs/platform/src/index.js';
import { startEngine } from '../../engine/src/engine.js';

/**
 * The API role on its own, for the distributed setup (EVENT_STORE_URL set). Today the engine
 * holds only this role, so both entry points run the same composition; they part ways as the
 * projector, publisher and delivery workers arrive.
 */
let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`partner-ledger api: ${error.message}\n`);
  process.exit(2);
}
const logger = createLogger({ level: config.logLevel as never, name: 'api' });
startEngine(config, logger).catch((error) => {
  logger.fatal({ err: error }, 'api failed to start');
  process.exit(1);
});
