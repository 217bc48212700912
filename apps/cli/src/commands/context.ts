import type { Command } from 'commander';
import type { CliIo } from '../cli.js';
import type { Stores } from '../stores.js';

/** What every command group shares: the io, the exit code to set, the stores, printing. */
export interface CommandContext {
  io: CliIo;
  outcome: { exitCode: number };
  withStores<T>(command: Command, fn: (stores: Stores) => Promise<T>): Promise<T>;
  print(text: string): Promise<void>;
}
