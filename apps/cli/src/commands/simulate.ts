import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DomainError } from '@partner-ledger/domain';
import { simulateProgram, simulationJson, simulationTable } from '@partner-ledger/analytics';
import { UsageError } from '../errors.js';
import { isoTime, nonEmpty } from '../parse.js';
import { progress } from '../progress.js';
import type { CommandContext } from './context.js';

/** The `simulate` command group. */
export function addSimulateCommands(program: Command, { io, withStores, print }: CommandContext): void {
  // -------------------------------------------------------------------------------------- simulate
  program
    .command('simulate')
    .description("replay a program's history under another commission plan: per partner, the totals today vs under the plan")
    .requiredOption('--program <programId>', 'the program to replay', nonEmpty)
    .requiredOption('--plan <file>', 'JSON file {commission: {type, amount, duration?}, tiers?: [{level, amount}], productRates?}, as a program has it')
    .option('--from <time>', 'price only sales recorded from this ISO time on under the plan; earlier sales keep what they earned (default: every sale, for all customers)', isoTime)
    .option('--json', 'print JSON instead of a table')
    .addHelpText(
      'after',
      `
Every conversion that happened is kept with its approvals, denials and refunds; only its commission
is recomputed under the plan, with the partner chain (referrers and their statuses) as it was at the
time of the sale. Simulating the program's own plan shows no difference. A plan's product rates
price level 1 of their products' sales; its duration (ONE_TIME, MONTHS, PAYMENTS) is measured
against each customer's attributed purchases over the whole history.

plan.json example:
  {"commission": {"type": "PERCENT_OF_SALE", "amount": "12"}, "tiers": [{"level": 2, "amount": "3"}]}

Example:
  npm run cli -- simulate --program prg_1 --plan plan.json
  npm run cli -- simulate --program prg_1 --plan plan.json --from 2026-01-01T00:00:00Z`,
    )
    .action(async (opts, command: Command) => {
      const plan = readPlan(resolve(io.cwd, opts.plan));
      await withStores(command, async (stores) => {
        const bar = progress(io.stderr, 'simulate');
        try {
          const result = await simulateProgram(stores.events, opts.program, plan, { onProgress: (done, total) => bar.update(done, total), from: opts.from });
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
