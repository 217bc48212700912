import { Command, CommanderError } from 'commander';
import { resolve } from 'node:path';
import { DomainError } from '@partner-ledger/domain';
import { ProgramNotFoundError } from '@partner-ledger/analytics';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './errors.js';
import type { Output } from './progress.js';
import { type GlobalOptions, openStores, type Stores } from './stores.js';
import { write } from './output.js';
import { addEventsCommands } from './commands/events.js';
import { addPartnersCommands } from './commands/partners.js';
import { addProjectionsCommands } from './commands/projections.js';
import { addSimulateCommands } from './commands/simulate.js';
import type { CommandContext } from './commands/context.js';

export interface CliIo {
  stdout: Output & Partial<Pick<NodeJS.WritableStream, 'once' | 'on'>>;
  stderr: Output;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const EVENT_STORE_URL = /^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb):\/\//;
const MONGO_URL = /^mongodb(\+srv)?:\/\//;

/**
 * The analysts' CLI: parses arguments, calls the libraries (libs/analytics, libs/read-store) and
 * prints. Returns the exit code: 0 done, 1 runtime failure (or, for `projections compare`,
 * differences found), 2 bad usage (unknown option, bad value, missing file, unknown program).
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const outcome = { exitCode: EXIT_OK };
  const program = buildProgram(io, outcome);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return outcome.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help).
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof UsageError || error instanceof ProgramNotFoundError) {
      io.stderr.write(`error: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof DomainError && error.kind === 'validation') {
      io.stderr.write(`error: ${error.message}\n`);
      return EXIT_USAGE;
    }
    // Runtime failure: the message, and the stack when DEBUG is set.
    io.stderr.write(`error: ${io.env.DEBUG ? ((error as Error)?.stack ?? String(error)) : describe(error)}\n`);
    return EXIT_FAILURE;
  }
}

function buildProgram(io: CliIo, outcome: { exitCode: number }): Command {
  const program = new Command('partner-ledger')
    .description("partner-ledger analysts' CLI: export the event history, rebuild read models, look back in time, simulate commission plans")
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)')
    .option('--data-dir <dir>', "directory of the engine's SQLite file, partner-ledger.db (env DATA_DIR)", io.env.DATA_DIR?.trim() || './data')
    .option('--event-store-url <url>', 'EventStoreDB connection string, esdb://… (env EVENT_STORE_URL); unset = the SQLite file', io.env.EVENT_STORE_URL?.trim() || undefined)
    .option('--mongo-url <url>', 'MongoDB connection string for the read store (env MONGO_URL); unset = the SQLite file', io.env.MONGO_URL?.trim() || undefined);

  const globals = (command: Command): GlobalOptions => {
    const o = command.optsWithGlobals() as { dataDir: string; eventStoreUrl?: string; mongoUrl?: string };
    const eventStoreUrl = o.eventStoreUrl?.trim() || undefined;
    if (eventStoreUrl && !EVENT_STORE_URL.test(eventStoreUrl)) throw new UsageError(`--event-store-url must be an esdb:// connection string, got ${eventStoreUrl}`);
    const mongoUrl = o.mongoUrl?.trim() || undefined;
    if (mongoUrl && !MONGO_URL.test(mongoUrl)) throw new UsageError(`--mongo-url must be a mongodb:// connection string, got ${mongoUrl}`);
    return { dataDir: resolve(io.cwd, o.dataDir), eventStoreUrl, mongoUrl };
  };
  const withStores = async <T>(command: Command, fn: (stores: Stores) => Promise<T>): Promise<T> => {
    // An older file is upgraded once on open (schema.ts): say so, since it delays the command.
    const stores = await openStores(globals(command), { info: (details, message) => io.stderr.write(`${message}: ${JSON.stringify(details)}\n`) });
    try {
      return await fn(stores);
    } finally {
      await stores.close();
    }
  };
  const print = (text: string) => write(io.stdout, text);
  const context: CommandContext = { io, outcome, withStores, print };
  addEventsCommands(program, context);
  addProjectionsCommands(program, context);
  addPartnersCommands(program, context);
  addSimulateCommands(program, context);
  return program;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
