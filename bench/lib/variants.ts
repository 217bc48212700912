import { join } from 'node:path';
import type { Child } from './child.js';
import { type BenchContext, row, type Row } from './report.js';

/** Where `--profile` puts a variant's CPU profile; undefined when not profiling. */
export function profileDirOf(ctx: BenchContext, name: string): string | undefined {
  return ctx.profileRoot ? join(ctx.profileRoot, name) : undefined;
}

/**
 * Runs each variant's child process to completion, one after the other. A variant that fails
 * becomes an error row and the others are still measured, so one broken side never hides the rest.
 */
export async function runVariants<R>(
  scenario: string,
  variants: readonly (readonly [name: string, label: string])[],
  rows: Row[],
  start: (name: string, label: string) => Child<R>,
): Promise<Record<string, { r: R; rss: number }>> {
  const results: Record<string, { r: R; rss: number }> = {};
  for (const [name, label] of variants) {
    const child = start(name, label);
    try {
      const { result, peakRssMb } = await child.done();
      results[name] = { r: result, rss: peakRssMb };
    } catch (error) {
      child.kill();
      rows.push(row({ scenario, variant: label, error: (error as Error).message }));
    }
  }
  return results;
}
