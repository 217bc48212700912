import type { AllFilter } from '../event-store.port.js';
import { EVENT_COLUMNS } from './schema.js';

/**
 * How a `$all` read filtered on stream prefixes reads SQLite: each prefix that selects within one
 * stream group (schema.ts) becomes an index range of `events_stream_group`, already in position
 * order from the page's first position; SQLite merges the ranges (MERGE (UNION ALL)) and stops at
 * the LIMIT. A page costs its own rows plus one index seek per group, whatever the log's size.
 *
 * - A prefix ending at its first '.' (`partner-prg_1.`) is exactly its group.
 * - A prefix with a '.' further in (`trigger-prg_1.email.`) lies within the group up to that first
 *   '.', read with the prefix as a residual test.
 * - A prefix without a '.' (`program-prg_1`) is its own group when no other group starts with it
 *   (one index probe, `onlyGroup`); otherwise (`partner-`, or `program-prg_1` beside
 *   `program-prg_10`) it spans many groups, and those prefixes are read as before, by position
 *   with the prefix test, which costs the gap between their matches.
 */
export interface StreamPrefixPlan {
  /** Group → the prefixes that select within it, or 'all' when the whole group is selected. */
  groups: Map<string, string[] | 'all'>;
  /** Prefixes read by position. */
  scanned: string[];
}

/** Beyond this many groups a read goes by position: each group is one arm of a compound SELECT. */
export const MAX_GROUPS = 64;

export function planStreamPrefixes(prefixes: readonly string[], onlyGroup: (prefix: string) => boolean): StreamPrefixPlan {
  const groups = new Map<string, string[] | 'all'>();
  const scanned: string[] = [];
  for (const prefix of new Set(prefixes)) {
    const dot = prefix.indexOf('.');
    if (dot < 0) {
      if (onlyGroup(prefix)) groups.set(prefix, 'all');
      else scanned.push(prefix);
      continue;
    }
    const group = prefix.slice(0, dot + 1);
    const selected = groups.get(group);
    if (group === prefix) groups.set(group, 'all');
    else if (selected === undefined) groups.set(group, [prefix]);
    else if (selected !== 'all') selected.push(prefix);
  }
  // A group whose name starts with a scanned prefix is read whole by that prefix's scan: reading it
  // twice would return its events twice.
  for (const group of groups.keys()) if (scanned.some((p) => group.startsWith(p))) groups.delete(group);
  if (groups.size > MAX_GROUPS) return { groups: new Map(), scanned: [...new Set(prefixes)] };
  return { groups, scanned };
}

/**
 * The smallest string greater than every string that starts with `prefix` (UTF-8 byte order is
 * code point order), or null when there is none to write (empty, or ending in U+10FFFF).
 */
export function prefixUpperBound(prefix: string): string | null {
  const points = Array.from(prefix);
  const last = points.pop()?.codePointAt(0);
  if (last === undefined || last >= 0x10ffff) return null;
  const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
  return points.join('') + String.fromCodePoint(next);
}

export interface PrefixQuery {
  sql: string;
  params: unknown[];
}

/**
 * The SELECT for a plan: one arm per group, one for the scanned prefixes, merged by position.
 * `position` is the arms' shared bound (`position >= ?` / `position < ?`) or null for none.
 */
export function prefixQuery(plan: StreamPrefixPlan, filter: AllFilter, position: { op: '>=' | '<'; value: unknown } | null, backwards: boolean, limit: number): PrefixQuery {
  const arms: string[] = [];
  const params: unknown[] = [];
  const common = (where: string[]) => {
    if (position) {
      where.push(`position ${position.op} ?`);
      params.push(position.value);
    }
    if (filter.eventTypes?.length) {
      where.push(`type IN (${filter.eventTypes.map(() => '?').join(', ')})`);
      params.push(...filter.eventTypes);
    }
  };
  for (const [group, selected] of plan.groups) {
    const where = ['stream_group = ?'];
    params.push(group);
    if (selected !== 'all') where.push(startsWithAny(selected, params));
    common(where);
    // INDEXED BY: the plan must not depend on the planner preferring events_type for a type filter.
    arms.push(`SELECT ${EVENT_COLUMNS} FROM events INDEXED BY events_stream_group WHERE ${where.join(' AND ')}`);
  }
  if (plan.scanned.length) {
    const where = [startsWithAny(plan.scanned, params)];
    common(where);
    arms.push(`SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')}`);
  }
  params.push(limit);
  return { sql: `${arms.join(' UNION ALL ')} ORDER BY position ${backwards ? 'DESC' : 'ASC'} LIMIT ?`, params };
}

/** substr() compares bytes exactly, where LIKE would need escaping and is case-insensitive. */
function startsWithAny(prefixes: string[], params: unknown[]): string {
  for (const p of prefixes) params.push(p, p);
  return '(' + prefixes.map(() => 'substr(stream, 1, length(?)) = ?').join(' OR ') + ')';
}
