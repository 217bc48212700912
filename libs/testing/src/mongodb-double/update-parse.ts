/**
 * Parsing and validating an operator update into entries, applied in field-name order, as mongod checks them.
 */
import { formatDocument, formatValue } from './bson-format.js';
import { bsonTypeName, isPlainObject, numberKind, numeric, type Doc } from './bson-values.js';
import { CommandError } from './errors.js';

export interface Entry {
  op: string;
  path: string;
  comps: string[];
  arg: unknown;
}

const OPERATORS = new Set(['$set', '$unset', '$inc', '$mul', '$min', '$max', '$rename', '$setOnInsert', '$currentDate', '$push', '$addToSet', '$pop', '$pull', '$pullAll', '$bit']);
/** Operators that create missing fields on their way; the others leave a missing path alone. */
export const CREATING = new Set(['$set', '$setOnInsert', '$inc', '$mul', '$min', '$max', '$currentDate', '$push', '$addToSet', '$bit']);

export function parseEntries(update: Doc): Entry[] {
  const entries: Entry[] = [];
  const targets: { path: string; comps: string[] }[] = [];
  for (const op of Object.keys(update)) {
    if (!OPERATORS.has(op)) {
      throw CommandError.of('FailedToParse', `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`);
    }
    const operand = update[op];
    if (!isPlainObject(operand)) {
      throw CommandError.of(
        'FailedToParse',
        `Modifiers operate on fields but we found type ${bsonTypeName(operand)} instead. For example: {$mod: {<field>: ...}} not {${op}: ${formatValue(operand)}}`,
      );
    }
    for (const path of Object.keys(operand)) {
      const arg = operand[path];
      const comps = parsePath(path);
      validateArgument(op, path, arg);
      entries.push({ op, path, comps, arg });
      targets.push({ path, comps });
      if (op === '$rename') {
        const to = arg as string;
        if (to === path) throw CommandError.of('BadValue', `The source and target field for $rename must differ: ${path}: ${formatValue(to)}`);
        const toComps = parsePath(to);
        for (const p of [path, to]) {
          if (p.split('.').some((c) => c.startsWith('$'))) throw CommandError.of('BadValue', `The source field for $rename may not be dynamic: ${p}`);
        }
        targets.push({ path: to, comps: toComps });
      }
    }
  }
  // One path may not be a prefix of another, across all operators (a $rename's source and target included).
  for (let i = 0; i < targets.length; i++) {
    for (let j = 0; j < i; j++) {
      const [a, b] = targets[i].comps.length <= targets[j].comps.length ? [targets[i], targets[j]] : [targets[j], targets[i]];
      if (a.comps.every((c, k) => c === b.comps[k])) {
        throw CommandError.of('ConflictingUpdateOperators', `Updating the path '${targets[i].path}' would create a conflict at '${a.path}'`);
      }
    }
  }
  // mongod applies the paths in field-name order (numeric components numerically), so new fields
  // appear in that order whatever order the update listed them in.
  return entries.sort((x, y) => comparePaths(x.comps, y.comps));
}

export function parsePath(path: string): string[] {
  if (path === '') throw CommandError.of('EmptyFieldName', 'An empty update path is not valid.');
  const comps = path.split('.');
  if (comps.some((c) => c === '')) throw CommandError.of('EmptyFieldName', `The update path '${path}' contains an empty field name, which is not allowed.`);
  if (comps.filter((c) => c === '$').length > 1) throw CommandError.of('BadValue', `Too many positional (i.e. '$') elements found in path '${path}'`);
  if (comps[0].startsWith('$')) throw CommandError.of('DollarPrefixedFieldName', `The dollar ($) prefixed field '${comps[0]}' in '${path}' is not valid for storage.`);
  return comps;
}

export function comparePaths(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    const na = /^\d+$/.test(a[i]);
    const nb = /^\d+$/.test(b[i]);
    if (na && nb) return Number(a[i]) - Number(b[i]);
    return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

export function validateArgument(op: string, path: string, arg: unknown): void {
  const shown = formatDocument({ [path]: arg });
  switch (op) {
    case '$inc':
      if (!numberKind(arg)) throw CommandError.of('TypeMismatch', `Cannot increment with non-numeric argument: ${shown}`);
      return;
    case '$mul':
      if (!numberKind(arg)) throw CommandError.of('TypeMismatch', `Cannot multiply with non-numeric argument: ${shown}`);
      return;
    case '$rename':
      if (typeof arg !== 'string') throw CommandError.of('BadValue', `The 'to' field for $rename must be a string: ${shown}`);
      return;
    case '$pop': {
      const n = numeric(arg)?.approx;
      if (n !== 1 && n !== -1) throw CommandError.of('FailedToParse', `$pop expects 1 or -1, found: ${formatValue(arg)}`);
      return;
    }
    case '$pullAll':
      if (!Array.isArray(arg)) throw CommandError.of('BadValue', `$pullAll requires an array argument but was given a ${bsonTypeName(arg)}`);
      return;
    case '$currentDate':
      if (typeof arg === 'boolean') return;
      if (isPlainObject(arg) && Object.keys(arg).length === 1 && (arg.$type === 'date' || arg.$type === 'timestamp')) return;
      throw CommandError.of('BadValue', "The '$type' string field is required to be 'date' or 'timestamp': {$currentDate: {field : {$type: 'date'}}}");
    case '$bit': {
      const ok =
        isPlainObject(arg) && Object.keys(arg).length > 0 && Object.entries(arg).every(([k, v]) => ['and', 'or', 'xor'].includes(k) && ['int', 'long'].includes(numberKind(v) ?? ''));
      if (!ok) throw CommandError.of('BadValue', `The $bit modifier field must be an Integer(32/64 bit); a '${bsonTypeName(arg)}' is not supported here: ${shown}`);
      return;
    }
    case '$push':
    case '$addToSet':
      if (isPlainObject(arg) && '$each' in arg && !Array.isArray(arg.$each)) {
        throw CommandError.of('BadValue', `The argument to $each in ${op} must be an array but it was of type: ${bsonTypeName(arg.$each)}`);
      }
      return;
  }
}
