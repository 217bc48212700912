import { JsonNumber } from '@partner-ledger/domain';
import { ACTION_TARGETS, type IncomingAction, ONE_OF, targetOf } from './actions.js';
import { isBindable, parsePath, PathSyntaxError, typeOf, valueAt } from './json-paths.js';

/** target field → path into the incoming JSON. */
export type FieldBindings = Record<string, string>;

export interface Mapping {
  action: IncomingAction;
  fields: FieldBindings;
}

/** One reason a mapping or a payload is refused, naming the target field and its path. */
export interface FieldIssue {
  /** Stable, like a problem's `code`. */
  code: string;
  field: string;
  path?: string;
  reason: string;
}

/**
 * Why `fields` cannot be saved for `action`, given the samples received so far (empty = it can).
 * A path must lead to a value in at least one sample: a typo caught now is a sale not lost later.
 */
export function mappingIssues(action: IncomingAction, fields: FieldBindings, samples: readonly unknown[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const allowed = ACTION_TARGETS[action].map((t) => t.name);
  for (const [field, path] of Object.entries(fields)) {
    if (!targetOf(action, field)) {
      issues.push({ code: 'unknown_target_field', field, reason: `${action} has no target field "${field}"; its fields are ${allowed.join(', ')}` });
      continue;
    }
    if (typeof path !== 'string') {
      issues.push({ code: 'invalid_path', field, reason: 'bind a target field to a path string, e.g. "order.amount"' });
      continue;
    }
    let segments;
    try {
      segments = parsePath(path);
    } catch (error) {
      if (!(error instanceof PathSyntaxError)) throw error;
      issues.push({ code: 'invalid_path', field, path, reason: `invalid path: ${error.message}` });
      continue;
    }
    const found = samples.map((s) => valueAt(s, segments)).filter((v) => v !== undefined);
    if (found.length === 0) {
      issues.push({ code: 'path_not_in_sample', field, path, reason: `${path} is not in any sample received at the test URL` });
    } else if (!found.some((v) => isBindable(typeOf(v)))) {
      issues.push({ code: 'path_not_a_value', field, path, reason: `${path} holds ${typeOf(found[0]) === 'array' ? 'an array' : 'an object'}; bind a path to a single value` });
    }
  }
  for (const target of ACTION_TARGETS[action]) {
    if (target.required && fields[target.name] === undefined) {
      issues.push({ code: 'required_field_unbound', field: target.name, reason: `${target.name} is required for ${action}; bind it to a path` });
    }
  }
  for (const group of ONE_OF[action]) {
    if (!group.some((name) => fields[name] !== undefined)) {
      issues.push({ code: 'required_field_unbound', field: group.join('|'), reason: `${action} needs one of ${group.join(' or ')} bound to a path` });
    }
  }
  return issues;
}

/** An amount keeps a number as its sender wrote it (JsonNumber), for the amount grammar to judge. */
export type Extracted = Record<string, string | number | JsonNumber>;

/**
 * Takes each bound value out of a payload. Empty values (missing, null, "") count as absent, as
 * senders spell "none" all three ways; numbers stay numbers for amounts and become their decimal
 * spelling elsewhere (order_id 12345 is the key "12345").
 */
export function extract(mapping: Mapping, payload: unknown): { values: Extracted; issues: FieldIssue[] } {
  const values: Extracted = {};
  const issues: FieldIssue[] = [];
  for (const target of ACTION_TARGETS[mapping.action]) {
    const path = mapping.fields[target.name];
    if (path === undefined) continue;
    const raw = valueAt(payload, parsePath(path));
    if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) {
      if (target.required)
        issues.push({
          code: 'missing_required_value',
          field: target.name,
          path,
          reason: `${target.name} is required, and ${path} is ${raw === undefined ? 'missing' : 'empty'} in the payload`,
        });
      continue;
    }
    if ((typeof raw === 'number' && Number.isFinite(raw)) || raw instanceof JsonNumber) {
      values[target.name] = target.kind === 'amount' ? raw : String(raw);
    } else if (typeof raw === 'string') {
      // An amount is judged as sent, by the one amount grammar (" 149.99" is refused as on every
      // route); other values are keys, emails and names, where stray spaces are the sender's noise.
      values[target.name] = target.kind === 'amount' ? raw : raw.trim();
    } else {
      issues.push({
        code: 'wrong_type',
        field: target.name,
        path,
        reason: `${path} holds ${typeOf(raw)}; ${target.name} takes ${target.kind === 'amount' ? 'an amount like "149.99" or 149.99' : 'a string or a number'}`,
      });
    }
  }
  for (const group of ONE_OF[mapping.action]) {
    if (!group.some((name) => values[name] !== undefined)) {
      const bound = group.filter((name) => mapping.fields[name] !== undefined);
      issues.push({
        code: 'missing_required_value',
        field: group.join('|'),
        path: bound.map((name) => mapping.fields[name]).join('|'),
        reason: `one of ${group.join(' or ')} is required, and ${bound.map((name) => mapping.fields[name]).join(' and ')} ${bound.length > 1 ? 'are' : 'is'} missing or empty in the payload`,
      });
    }
  }
  return { values, issues };
}
