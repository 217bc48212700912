/**
 * Every stream category of a program. Each stream name of a program starts with one of these
 * prefixes, so a `$all` read filtered on them sees that program's events and no other's: a
 * program's key reads these and nothing else, and a replay folds only them.
 */
export const PROGRAM_CATEGORIES = ['program', 'partner', 'customer', 'transaction', 'trigger', 'unique'];

export function programStreamPrefixes(programId: string): string[] {
  return PROGRAM_CATEGORIES.map((c) => (c === 'program' ? `program-${programId}` : `${c}-${programId}.`));
}
