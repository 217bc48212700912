/**
 * Every stream category of a program. Each stream name of a program starts with one of these
 * prefixes, so a `$all` read filtered on them sees that program's events and no other's: a
 * program's key reads these and nothing else, and a replay folds only them.
 */
export const PROGRAM_CATEGORIES = ['program', 'partner', 'customer', 'transaction', 'trigger', 'unique', 'payout', 'purchases'] as const;
export type ProgramCategory = (typeof PROGRAM_CATEGORIES)[number];

/**
 * The stream-name prefixes of a program's streams, of every category or of the given ones (a
 * reader that folds only some categories reads only those). Each ends where a stream name's group
 * ends (the program stream's whole name, `<category>-<programId>.` for the others), which the
 * SQLite event store reads through its stream-group index: a page costs its own rows, not the log.
 */
export function programStreamPrefixes(programId: string, categories: readonly ProgramCategory[] = PROGRAM_CATEGORIES): string[] {
  return categories.map((c) => (c === 'program' ? `program-${programId}` : `${c}-${programId}.`));
}
