import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { BUS } from '@partner-ledger/bus';
import { type AppConfig, ConfigError, loadConfig } from '@partner-ledger/config';
import { EVENT_STORE } from '@partner-ledger/event-store';
import { type Clock, createHttpApp, createLogger, startTracingFromEnv, type Tracing } from '@partner-ledger/platform';
import { READ_STORE } from '@partner-ledger/read-store';
import { ALL_ROLES, Composition } from './composition.js';

export interface AppOptions {
  /** The log line once listening (tests and scripts wait for it). */
  readyMessage: string;
  /** OpenAPI title. */
  title: string;
  /** Run the projector and the publisher under a lease (see Composition). */
  singleActive?: boolean;
  /** The app's clock (default the system clock); tests pass one they move. */
  clock?: Clock;
  /** The console's compiled browser modules (default: beside libs/console, as `npm run build` leaves them). */
  consoleAssetsDir?: string;
}

export interface RunningApp {
  app: NestFastifyApplication;
  url: string;
  port: number;
  composition: Composition;
}

/** Builds an app's root module from the composition its role modules share. */
export type AppModuleFactory = (composition: Composition) => DynamicModule;

/** Creates the app's Nest application (through the platform's createHttpApp), listens, logs ready. */
export async function startApp(config: AppConfig, logger: Logger, rootModule: AppModuleFactory, options: AppOptions): Promise<RunningApp> {
  const composition = new Composition(config, logger, options.singleActive ?? false, options.clock);
  composition.consoleAssetsDir = options.consoleAssetsDir;
  const app = await createHttpApp(rootModule(composition), {
    logger,
    title: options.title,
    version: '0.1.0',
    description: 'Event-sourced engine for affiliate and referral programs',
    bodyLimitBytes: config.bodyLimitBytes,
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    jsonMaxDepth: config.jsonMaxDepth,
    jsonMaxKeys: config.jsonMaxKeys,
  });
  try {
    await app.listen(config.port, config.host);
  } catch (error) {
    // Stops what did start and closes the stores, as a shutdown would.
    await app.close().catch(() => undefined);
    throw error;
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const kindOf = (store: Parameters<Composition['uses']>[0], token: symbol) => (composition.uses(store) ? app.get<{ kind: string }>(token, { strict: false }).kind : undefined);
  logger.info(
    {
      port,
      roles: ALL_ROLES.filter((r) => composition.roles.includes(r)),
      eventStore: kindOf('events', EVENT_STORE),
      readStore: kindOf('readStore', READ_STORE),
      bus: kindOf('bus', BUS),
      leases: composition.leaseNames,
      dataDir: config.dataDir,
    },
    options.readyMessage,
  );
  return { app, url: `http://${host}:${port}`, port, composition };
}

/**
 * The body of every app's main: configuration from the environment (exit 2 when it is invalid),
 * a logger named after the app, then the app itself; exit 1 when it cannot start.
 */
export function runApp(name: string, rootModule: AppModuleFactory, options: AppOptions & { errorPrefix?: string }): void {
  let config;
  let tracing: Tracing | null;
  try {
    config = loadConfig();
    // Off (and free) unless OTEL_TRACES_EXPORTER or an OTLP endpoint is set.
    tracing = startTracingFromEnv(`partner-ledger-${name}`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${options.errorPrefix ?? `partner-ledger ${name}`}: ${error.message}\n`);
    process.exit(2);
  }
  const logger = createLogger({ level: config.logLevel as never, name });
  startApp(config, logger, rootModule, options)
    // The spans still buffered are flushed as the server closes (on SIGTERM/SIGINT).
    .then(({ app }) => app.getHttpServer().once('close', () => void tracing?.shutdown()))
    .catch((error) => {
      logger.fatal({ err: error }, `${name} failed to start`);
      process.exit(1);
    });
}
