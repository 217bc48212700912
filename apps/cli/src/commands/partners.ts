import { Command } from 'commander';
import { partnerReport } from '@partner-ledger/analytics';
import { UsageError } from '../errors.js';
import { isoTime, nonEmpty } from '../parse.js';
import type { CommandContext } from './context.js';

/** The `partners` command group. */
export function addPartnersCommands(program: Command, { withStores, print }: CommandContext): void {
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
}
