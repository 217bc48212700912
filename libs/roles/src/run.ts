import { ConfigError, loadConfig } from '@partner-ledger/config';
import { createLogger } from '@partner-ledger/platform';
import { type RoleOptions, startRoles } from './engine.js';

/**
 * The body of every app's main: configuration from the environment (exit 2 when it is invalid),
 * a logger named after the app, then the app's roles; exit 1 when they cannot start.
 */
export function runRoles(name: string, options: RoleOptions): void {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`partner-ledger ${name}: ${error.message}\n`);
    process.exit(2);
  }
  const logger = createLogger({ level: config.logLevel as never, name });
  startRoles(config, logger, options).catch((error) => {
    logger.fatal({ err: error }, `${name} failed to start`);
    process.exit(1);
  });
}
