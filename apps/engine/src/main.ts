import 'reflect-metadata';
import { ConfigError, loadConfig } from '@partner-ledger/config';
import { createLogger } from '@partner-ledger/platform';
import { startEngine } from '@partner-ledger/roles';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`partner-ledger: ${error.message}\n`);
  process.exit(2);
}
const logger = createLogger({ level: config.logLevel as never, name: 'engine' });
startEngine(config, logger).catch((error) => {
  logger.fatal({ err: error }, 'engine failed to start');
  process.exit(1);
});
