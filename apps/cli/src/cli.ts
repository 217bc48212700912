import { Command, CommanderError, Option } from 'commander';
import { once } from 'node:events';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { DomainError } from '@partner-ledger/domain';
import { EXPORT_FORMATS, type ExportFormat, exportEvents, type ExportSink } from '@partner-ledger/analytics';
import { partnerReport } from '@partner-ledger/analytics';
import { ProgramNotFoundError, simulateProgram } from '@partner-ledger/analytics';
import { simulationJson, simulationTable } from '@partner-ledger/analytics';
import { PROJECTIONS } from '@partner-ledger/projections';
import { compareNamespaces, READ_MODEL_COLLECTIONS, rebuildReadModels } from '@partner-ledger/projections';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './errors.js';
import { collect, isoTime, nonEmpty, position, positiveInt } from './parse.js';
import { type Output, progress } from './progress.js';
import { type GlobalOptions, openStores, type Stores } from './stores.js';

export interface CliIo {
  stdout: Output & Partial<Pick<NodeJS.WritableStream, 'once' | 'on'>>;
  stderr: Output;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const PROJECTION_NAMES = PROJECTIONS.map((p) => p.name);
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
    const stores = await openStores(globals(command));
    try {
      return await fn(stores);
    } finally {
      await stores.close();
    }
  };
  const print = (text: string) => write(io.stdout, text);

  // ---------------------------------------------------------------------------------------- events
  const events = program.command('events').description('the event history ($all)');
  events
    .command('export')
    .description('export events as NDJSON or CSV, in global position order, filtered by stream prefix, type, position and time')
    .addOption(new Option('--format <format>', 'output format').choices(EXPORT_FORMATS as string[]).default('ndjson'))
    .option('--out <file>', 'output file, or - for stdout', '-')
    .option('--stream-prefix <prefix>', 'only streams starting with this (repeatable: any of them), e.g. transaction-prg_1.', collect)
    .option('--type <type>', 'only this event type (repeatable: any of them), e.g. ConversionApproved', collect)
    .option('--from-position <n>', 'only events at or after this global position', position)
    .option('--to-position <n>', 'only events at or before this global position', position)
    .option('--since <time>', 'only events created at or after this ISO 8601 time', isoTime)
    .option('--until <time>', 'only events created at or before this ISO 8601 time', isoTime)
    .option('--page-size <n>', 'events read per page', positiveInt, 1000)
    .addHelpText(
      'after',
      `
NDJSON: one object per line {position, id, stream, revision, type, created, data, metadata}, positions
and revisions as decimal strings. CSV (RFC 4180, CRLF): columns position,stream,revision,type,created,
data,metadata, data and metadata as JSON. Progress goes to stderr (a bar on a terminal, else one
summary line), never to stdout.

Examples:
  npm run cli -- events export --format csv --out events.csv --stream-prefix transaction-prg_1.
  npm run cli -- events export --type ConversionApproved --since 2026-03-01T00:00:00Z > approved.ndjson`,
    )
    .action(async (opts, command: Command) => {
      if (opts.fromPosition !== undefined && opts.toPosition !== undefined && opts.fromPosition > opts.toPosition) {
        throw new UsageError('--from-position must not be after --to-position');
      }
      if (opts.since && opts.until && opts.since.getTime() > opts.until.getTime()) throw new UsageError('--since must not be after --until');
      const toStdout = opts.out === '-';
      const path = toStdout ? null : resolve(io.cwd, opts.out);
      await withStores(command, async (stores) => {
        const file = path ? await openFile(path) : null;
        const sink: ExportSink = { write: (text) => (file ? file.write(text) : write(io.stdout, text)) };
        const bar = progress(io.stderr, 'export');
        const started = Date.now();
        try {
          const result = await exportEvents(
            stores.events,
            opts.format as ExportFormat,
            {
              streamPrefixes: opts.streamPrefix,
              types: opts.type,
              fromPosition: opts.fromPosition,
              toPosition: opts.toPosition,
              since: opts.since,
              until: opts.until,
            },
            sink,
            { onProgress: (done, total) => bar.update(done, total), pageSize: opts.pageSize },
          );
          await file?.close();
          bar.finish(`exported ${result.events} event(s) as ${opts.format} to ${path ?? 'stdout'} in ${seconds(started)}`);
        } catch (error) {
          bar.abort();
          file?.destroy();
          throw error;
        }
      });
    });

  // ----------------------------------------------------------------------------------- projections
  const projections = program.command('projections').description('read models: rebuild, list namespaces, compare');
  projections
    .command('rebuild')
    .description('rebuild read models into a fresh namespace from position 0, then swap it in atomically')
    .argument('[names...]', `projections to replay from position 0 (${PROJECTION_NAMES.join(', ')}); default all`)
    .option('--batch-size <n>', 'events folded per commit', positiveInt, 1000)
    .option('--drop-old', 'drop the previous namespace after the swap (kept by default, to compare or roll back)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
A rebuild never touches the active namespace: it fills a fresh one (rm<N+1>) while the engine keeps
serving the old one, catches up with events appended meanwhile, then activates it in one step. A
running engine switches its projections to the new namespace on its next query.

Without names every projection is replayed from position 0. With names only those are replayed; the
others are carried over from the active namespace (documents and checkpoint copied, then caught up),
so the new namespace is always complete. Run one rebuild at a time.

With --drop-old, stop the engine first or expect its projector to write a few documents into the old
namespace until it notices the swap (drop them later after \`projections list\`).

Examples:
  npm run cli -- projections rebuild
  npm run cli -- projections rebuild conversions --drop-old`,
    )
    .action(async (names: string[], opts, command: Command) => {
      const unknown = names.filter((n) => !PROJECTION_NAMES.includes(n));
      if (unknown.length) throw new UsageError(`unknown projection ${unknown.join(', ')} (known: ${PROJECTION_NAMES.join(', ')})`);
      await withStores(command, async (stores) => {
        const store = await stores.readStore();
        const bar = progress(io.stderr, 'rebuild');
        try {
          const result = await rebuildReadModels(stores.events, store, {
            projections: names,
            batchSize: opts.batchSize,
            dropOld: Boolean(opts.dropOld),
            onProgress: (done, total, info) => bar.update(done, total, `${info.events} events (${info.phase})`),
          });
          bar.finish(`rebuilt ${result.namespace} from ${result.events} event(s) in ${(result.durationMs / 1000).toFixed(1)} s`);
          const json = {
            namespace: result.namespace,
            previous: result.previous,
            replayed: result.replayed,
            carried: result.carried,
            events: result.events,
            position: result.position === null ? null : String(result.position),
            droppedPrevious: result.droppedPrevious,
            durationMs: result.durationMs,
          };
          if (opts.json) await print(JSON.stringify(json, null, 2) + '\n');
          else
            await print(
              [
                `active namespace: ${result.namespace} (was ${result.previous}${result.droppedPrevious ? ', dropped' : ', kept'})`,
                `replayed from position 0: ${result.replayed.join(', ') || '-'}`,
                `carried over and caught up: ${result.carried.join(', ') || '-'}`,
                `events read: ${result.events}, up to position ${json.position ?? '-'}`,
              ].join('\n') + '\n',
            );
        } catch (error) {
          bar.abort();
          throw error;
        }
      });
    });

  projections
    .command('list')
    .description('list read-model namespaces (rm<N>) with their checkpoints and document counts')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExample:\n  npm run cli -- projections list')
    .action(async (opts, command: Command) => {
      await withStores(command, async (stores) => {
        const store = await stores.readStore();
        const active = await store.activeNamespace();
        // Read-model generations only (rm<N>); other namespaces (e.g. `config`) are not rebuilt.
        const names = [...new Set([...(await store.listNamespaces()).filter((ns) => /^rm\d+$/.test(ns)), active])].sort(
          (x, y) => Number(x.slice(2)) - Number(y.slice(2)) || x.localeCompare(y),
        );
        const rows = [];
        for (const ns of names) {
          const checkpoints: Record<string, string | null> = {};
          for (const p of PROJECTION_NAMES) {
            const c = await store.getCheckpoint(ns, p);
            checkpoints[p] = c.position === null ? null : String(c.position);
          }
          const documents: Record<string, number> = {};
          for (const c of READ_MODEL_COLLECTIONS) documents[c] = await store.count(ns, c);
          rows.push({ namespace: ns, active: ns === active, checkpoints, documents });
        }
        if (opts.json) return print(JSON.stringify(rows, null, 2) + '\n');
        const lines = rows.map(
          (r) =>
            `${r.active ? '*' : ' '} ${r.namespace}  checkpoints ${Object.entries(r.checkpoints).map(([k, v]) => `${k}=${v ?? '-'}`).join(' ')}  documents ${Object.entries(r.documents).map(([k, v]) => `${k}=${v}`).join(' ')}`,
        );
        return print(lines.join('\n') + '\n');
      });
    });

  projections
    .command('compare')
    .description('compare two namespaces document by document (exit 1 when they differ)')
    .argument('<a>', 'namespace, e.g. rm1')
    .argument('<b>', 'namespace, e.g. rm2')
    .option('--json', 'print the comparison as JSON')
    .addHelpText('after', '\nEvery field is compared, pos and timestamps included: a faithful rebuild reproduces them.\n\nExample:\n  npm run cli -- projections compare rm1 rm2')
    .action(async (a: string, b: string, opts, command: Command) => {
      await withStores(command, async (stores) => {
        const store = await stores.readStore();
        const known = new Set([...(await store.listNamespaces()), await store.activeNamespace()]);
        for (const ns of [a, b]) if (!known.has(ns)) throw new UsageError(`no namespace ${ns} (known: ${[...known].sort().join(', ')})`);
        const result = await compareNamespaces(store, a, b);
        if (opts.json) await print(JSON.stringify(result, null, 2) + '\n');
        else {
          const lines = [
            `${a} vs ${b}: ${result.equal ? 'identical' : `${result.differenceCount} difference(s)`} (${Object.entries(result.documents).map(([k, v]) => `${k} ${v}`).join(', ')})`,
            `checkpoints: ${Object.entries(result.checkpoints).map(([p, c]) => `${p} ${c.a ?? '-'}/${c.b ?? '-'}`).join(', ')}`,
            ...result.differences.map((d) => `  ${d.kind} ${d.collection} ${d.id}${d.fields ? ` fields ${d.fields.join(', ')}` : ''}`),
          ];
          await print(lines.join('\n') + '\n');
        }
        if (!result.equal) outcome.exitCode = EXIT_FAILURE;
      });
    });

  // -------------------------------------------------------------------------------------- partners
  const partners = program.command('partners').description('partners and their commission totals');
  partners
    .command('show')
    .description('a partner and its commission totals, live or as they were at a past time')
    .argument('<partnerId>', 'the partner id')
    .requiredOption('--program <programId>', 'the program the partner belongs to', nonEmpty)
    .option('--as-of <time>', 'ISO 8601 time: fold the history up to it instead of reading the live read models', isoTime)
    .addHelpText(
      'after',
      `
Prints JSON; amounts are decimal strings in the currency's digits. Without --as-of it reads the
active read-model namespace; with --as-of it folds the program's events created at or before that
time through the same projections.

Examples:
  npm run cli -- partners show par_123 --program prg_1
  npm run cli -- partners show par_123 --program prg_1 --as-of 2026-03-01T00:00:00Z`,
    )
    .action(async (partnerId: string, opts, command: Command) => {
      await withStores(command, async (stores) => {
        const report = await partnerReport(stores.events, opts.asOf ? null : await stores.readStore(), opts.program, partnerId, opts.asOf);
        if (!report.partner && report.commissionTotals.length === 0) {
          throw new UsageError(`partner ${partnerId} not found in program ${opts.program}${opts.asOf ? ` as of ${opts.asOf.toISOString()}` : ''}`);
        }
        await print(JSON.stringify(report, null, 2) + '\n');
      });
    });

  // -------------------------------------------------------------------------------------- simulate
  program
    .command('simulate')
    .description("replay a program's history under another commission plan: per partner, the totals today vs under the plan")
    .requiredOption('--program <programId>', 'the program to replay', nonEmpty)
    .requiredOption('--plan <file>', 'JSON file {commission: {type, amount}, tiers?: [{level, amount}]}, as a program has it')
    .option('--json', 'print JSON instead of a table')
    .addHelpText(
      'after',
      `
Every conversion that happened is kept with its approvals, denials and refunds; only its commission
is recomputed under the plan, with the partner chain (referrers and their statuses) as it was at the
time of the sale. Simulating the program's own plan shows no difference.

plan.json example:
  {"commission": {"type": "PERCENT_OF_SALE", "amount": "12"}, "tiers": [{"level": 2, "amount": "3"}]}

Example:
  npm run cli -- simulate --program prg_1 --plan plan.json`,
    )
    .action(async (opts, command: Command) => {
      const plan = readPlan(resolve(io.cwd, opts.plan));
      await withStores(command, async (stores) => {
        const bar = progress(io.stderr, 'simulate');
        try {
          const result = await simulateProgram(stores.events, opts.program, plan, { onProgress: (done, total) => bar.update(done, total) });
          bar.finish(`replayed ${result.conversions} conversion(s) of ${opts.program}`);
          await print(opts.json ? JSON.stringify(simulationJson(result), null, 2) + '\n' : simulationTable(result));
        } catch (error) {
          bar.abort();
          if (error instanceof DomainError && error.kind === 'validation') {
            throw new UsageError(`--plan ${opts.plan}: ${error.message}${error.field ? ` (${error.field})` : ''}`);
          }
          throw error;
        }
      });
    });

  return program;
}

function readPlan(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--plan: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let plan: unknown;
  try {
    plan = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--plan: ${path} is not JSON: ${(error as Error).message}`);
  }
  if (!plan || typeof plan !== 'object' || Array.isArray(plan) || typeof (plan as { commission?: unknown }).commission !== 'object') {
    throw new UsageError(`--plan: ${path} must be an object {commission: {type, amount}, tiers?: [{level, amount}]}`);
  }
  return plan;
}

/** A file sink that surfaces write errors and honours backpressure. */
async function openFile(path: string): Promise<{ write(text: string): Promise<void>; close(): Promise<void>; destroy(): void }> {
  const stream: WriteStream = createWriteStream(path);
  let failure: Error | null = null;
  stream.on('error', (error) => (failure = error));
  try {
    await once(stream, 'open');
  } catch (error) {
    throw new UsageError(`--out: cannot write ${path}: ${(error as Error).message}`);
  }
  const check = () => {
    if (failure) throw new Error(`writing ${path} failed: ${(failure as Error).message}`);
  };
  return {
    async write(text) {
      check();
      if (!stream.write(text)) {
        await new Promise<void>((ok) => {
          const done = () => {
            stream.off('drain', done);
            stream.off('error', done);
            ok();
          };
          stream.on('drain', done);
          stream.on('error', done);
        });
      }
      check();
    },
    async close() {
      check();
      await new Promise<void>((ok, fail) => stream.end((e?: Error | null) => (e ? fail(e) : ok())));
      check();
    },
    destroy: () => void stream.destroy(),
  };
}

/** Writes honouring backpressure. */
async function write(out: Output & Partial<Pick<NodeJS.WritableStream, 'once'>>, text: string): Promise<void> {
  const ok = out.write(text);
  if (ok === false && typeof out.once === 'function') await new Promise<void>((resolve) => out.once!('drain', () => resolve()));
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

const seconds = (started: number) => `${((Date.now() - started) / 1000).toFixed(1)} s`;
