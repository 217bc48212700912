import { forbidden } from '@partner-ledger/domain';

/** Every stream category of a program; a program's key sees these and nothing else. */
export const PROGRAM_CATEGORIES = ['program', 'partner', 'customer', 'transaction', 'trigger', 'unique'];

export function programStreamPrefixes(programId: string): string[] {
  return PROGRAM_CATEGORIES.map((c) => (c === 'program' ? `program-${programId}` : `${c}-${programId}.`));
}

export const forbiddenProgramStream = (stream: string) => forbidden('forbidden_stream', `stream prefix ${stream} is outside this program`);
