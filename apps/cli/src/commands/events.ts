import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { EXPORT_FORMATS, type ExportFormat, exportEvents, type ExportSink } from '@partner-ledger/analytics';
import { UsageError } from '../errors.js';
import { collect, isoTime, position, positiveInt } from '../parse.js';
import { progress } from '../progress.js';
import { openFile, write, seconds } from '../output.js';
import type { CommandContext } from './context.js';

/** The `events` command group. */
export function addEventsCommands(program: Command, { io, withStores }: CommandContext): void {
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
data,metadata, data and metadata as JSON. Credential material (a program key's hash) is left out
of data. Progress goes to stderr (a bar on a terminal, else one
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
}
