import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Target } from './report.js';

/**
 * The targets of the last full runs, newest last (`bench/results/history.json`). Some targets ask
 * for more than one run to pass ("in three consecutive full runs"): a single run can be lucky on a
 * shared machine, and a tail that swings between runs is itself the problem being measured.
 */
export interface HistoryEntry {
  date: string;
  commit: string;
  targets: Array<Pick<Target, 'scenario' | 'name' | 'measured' | 'pass'>>;
}

const KEEP = 20;

export function readHistory(file: string): HistoryEntry[] {
  if (!existsSync(file)) return [];
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  return Array.isArray(parsed) ? (parsed as HistoryEntry[]) : [];
}

export function appendHistory(file: string, entry: HistoryEntry): HistoryEntry[] {
  const history = [...readHistory(file), entry].slice(-KEEP);
  writeFileSync(file, JSON.stringify(history, null, 2) + '\n');
  return history;
}

/**
 * One target per named target that must hold in `runs` consecutive full runs: it passes when the
 * newest `runs` entries all carry it as passed, and says which runs failed or were missing.
 */
export function consecutiveTargets(history: HistoryEntry[], scenario: string, runs: number): Target[] {
  const last = history.slice(-runs);
  const names = [
    ...new Set(
      history
        .at(-1)
        ?.targets.filter((t) => t.scenario === scenario)
        .map((t) => t.name) ?? [],
    ),
  ];
  return names.map((name) => {
    const outcomes = last.map((h) => h.targets.find((t) => t.scenario === scenario && t.name === name));
    const passed = outcomes.filter((t) => t?.pass === true).length;
    return {
      scenario,
      name: `${name}, in ${runs} consecutive full runs`,
      goal: `${runs} of the last ${runs} full runs pass`,
      measured: `${passed} of ${last.length}${last.length < runs ? ` (only ${last.length} full run${last.length === 1 ? '' : 's'} on record)` : ''}: ${outcomes.map((t) => t?.measured.split(',')[0] ?? 'absent').join(' · ')}`,
      pass: last.length === runs && passed === runs,
    };
  });
}
