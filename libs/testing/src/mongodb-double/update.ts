/**
 * Update documents: operator updates, replacements and the document an upsert inserts.
 *
 * The operators are applied to the typed document here rather than by mingo's updater: mingo works
 * on JS numbers, so `$inc` on an Int32/Long/Double value is a silent no-op there and every result
 * would lose its BSON type. mingo still decides every query-shaped part (`$pull` conditions,
 * `arrayFilters`, the element a positional `$` stands for), on numeric views. Semantics and messages
 * follow mongod's update subsystem: paths applied in field-name order, conflicting paths and `_id`
 * changes refused, a field set to an identical typed value is not a modification.
 */
import { BSONRegExp, Int32, Long, ObjectId, Timestamp } from 'bson';
import {
  arithmetic,
  bsonTypeName,
  cloneTree,
  compareValues,
  formatDocument,
  formatValue,
  isPlainObject,
  numberKind,
  numeric,
  toView,
  typedEquals,
  zeroLike,
  type Doc,
} from './bson-values.js';
import { CommandError, notImplemented } from './errors.js';
import { compileViewPredicate, parseSort, sortDocuments } from './query.js';

export interface UpdateContext {
  /** The upsert's insert: only then does `$setOnInsert` apply. */
  isInsert: boolean;
  /** The statement's filter: a positional `$` refers to the array element it matched. */
  filter: Doc;
  arrayFilters?: unknown;
  now: Date;
  timestamp: () => Timestamp;
}

export interface UpdateResult {
  doc: Doc;
  modified: boolean;
}

const OPERATORS = new Set(['$set', '$unset', '$inc', '$mul', '$min', '$max', '$rename', '$setOnInsert', '$currentDate', '$push', '$addToSet', '$pop', '$pull', '$pullAll', '$bit']);
/** Operators that create missing fields on their way; the others leave a missing path alone. */
const CREATING = new Set(['$set', '$setOnInsert', '$inc', '$mul', '$min', '$max', '$currentDate', '$push', '$addToSet', '$bit']);

/** mongod tells an operator update from a replacement by its first field. */
export function isOperatorUpdate(update: Doc): boolean {
  const first = Object.keys(update)[0];
  return first !== undefined && first.startsWith('$');
}

interface Entry {
  op: string;
  path: string;
  comps: string[];
  arg: unknown;
}

export function applyOperators(original: Doc, update: Doc, ctx: UpdateContext): UpdateResult {
  const entries = parseEntries(update);
  const filters = parseArrayFilters(ctx.arrayFilters);
  checkIdentifiers(entries, filters, update);
  const doc = cloneTree(original);
  let modified = false;
  for (const entry of entries) {
    if (entry.op === '$setOnInsert' && !ctx.isInsert) continue;
    modified = applyEntry(doc, entry, ctx, filters, original) || modified;
  }
  if (!ctx.isInsert && !typedEquals(original._id, doc._id)) {
    throw CommandError.of('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
  }
  return { doc, modified };
}

/** A replacement keeps the stored `_id` (first, as mongod stores it) and may not change it. */
export function applyReplacement(original: Doc, replacement: Doc): UpdateResult {
  checkReplacement(replacement);
  if ('_id' in replacement && !typedEquals(replacement._id, original._id)) {
    throw CommandError.of('ImmutableField', `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatValue(replacement._id)}`);
  }
  const doc: Doc = { _id: original._id };
  for (const k of Object.keys(replacement)) if (k !== '_id') doc[k] = cloneTree(replacement[k]);
  return { doc, modified: !typedEquals(original, doc) };
}

function checkReplacement(replacement: Doc): void {
  for (const k of Object.keys(replacement)) {
    if (k.startsWith('$')) {
      throw CommandError.of(
        'DollarPrefixedFieldName',
        `The dollar ($) prefixed field '${k}' in '${k}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`,
      );
    }
  }
}

/**
 * The document an upsert inserts when nothing matched: the filter's equality conditions (`f: v`,
 * `f: {$eq: v}`, also inside `$and`, dotted paths expanded), then the update; `_id` first, a new
 * ObjectId if still missing. A replacement takes only `_id` from the filter.
 */
export function upsertDocument(filter: Doc, update: Doc, ctx: UpdateContext): Doc {
  const seed = seedFromFilter(filter);
  let doc: Doc;
  if (isOperatorUpdate(update)) {
    doc = applyOperators(seed, update, { ...ctx, isInsert: true }).doc;
    if ('_id' in seed && !typedEquals(seed._id, doc._id)) {
      throw CommandError.of('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
    }
  } else {
    checkReplacement(update);
    doc = cloneTree(update);
    if (!('_id' in doc) && '_id' in seed) doc._id = seed._id;
  }
  const id = '_id' in doc ? doc._id : new ObjectId();
  const out: Doc = { _id: id };
  for (const k of Object.keys(doc)) if (k !== '_id') out[k] = doc[k];
  return out;
}

function seedFromFilter(filter: Doc): Doc {
  const doc: Doc = {};
  const add = (f: Doc) => {
    for (const key of Object.keys(f)) {
      const value = f[key];
      if (key === '$and' && Array.isArray(value)) value.forEach((sub) => isPlainObject(sub) && add(sub));
      else if (key === '$or' && Array.isArray(value) && value.length === 1 && isPlainObject(value[0])) add(value[0]);
      else if (key.startsWith('$')) continue;
      else if (isPlainObject(value) && Object.keys(value)[0]?.startsWith('$')) {
        if ('$eq' in value) setSeed(doc, key, value.$eq);
      } else if (!(value instanceof BSONRegExp) && !(value instanceof RegExp)) setSeed(doc, key, value);
    }
  };
  add(filter);
  return doc;
}

function setSeed(doc: Doc, path: string, value: unknown): void {
  const comps = path.split('.');
  let node = doc;
  for (let i = 0; i < comps.length; i++) {
    const comp = comps[i];
    if (i === comps.length - 1) {
      if (comp in node) throw CommandError.of('NotSingleValueField', `cannot infer query fields to set, path '${path}' is matched twice`);
      node[comp] = cloneTree(value);
      return;
    }
    if (!(comp in node)) node[comp] = {};
    const next = node[comp];
    if (!isPlainObject(next)) throw CommandError.of('NotSingleValueField', `cannot infer query fields to set, path '${comps.slice(0, i + 1).join('.')}' is matched twice`);
    node = next;
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing

function parseEntries(update: Doc): Entry[] {
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

function parsePath(path: string): string[] {
  if (path === '') throw CommandError.of('EmptyFieldName', "An empty update path is not valid.");
  const comps = path.split('.');
  if (comps.some((c) => c === '')) throw CommandError.of('EmptyFieldName', `The update path '${path}' contains an empty field name, which is not allowed.`);
  if (comps.filter((c) => c === '$').length > 1) throw CommandError.of('BadValue', `Too many positional (i.e. '$') elements found in path '${path}'`);
  if (comps[0].startsWith('$')) throw CommandError.of('DollarPrefixedFieldName', `The dollar ($) prefixed field '${comps[0]}' in '${path}' is not valid for storage.`);
  return comps;
}

function comparePaths(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    const na = /^\d+$/.test(a[i]);
    const nb = /^\d+$/.test(b[i]);
    if (na && nb) return Number(a[i]) - Number(b[i]);
    return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

function validateArgument(op: string, path: string, arg: unknown): void {
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
      const ok = isPlainObject(arg) && Object.keys(arg).length > 0 && Object.entries(arg).every(([k, v]) => ['and', 'or', 'xor'].includes(k) && ['int', 'long'].includes(numberKind(v) ?? ''));
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

// ---------------------------------------------------------------------------------------------
// Array filters and the positional operator

type ElementFilters = Map<string, (element: unknown) => boolean>;

function parseArrayFilters(raw: unknown): ElementFilters {
  const filters: ElementFilters = new Map();
  if (raw === undefined || raw === null) return filters;
  if (!Array.isArray(raw)) throw CommandError.of('TypeMismatch', "BSON field 'arrayFilters' is the wrong type, expected type 'array'");
  for (const f of raw) {
    if (!isPlainObject(f) || Object.keys(f).length === 0) throw CommandError.of('FailedToParse', 'Cannot use an expression without a top-level field name in arrayFilters');
    const ids = new Set(Object.keys(f).map((k) => k.split('.')[0]));
    if (ids.size > 1) {
      const [a, b] = [...ids];
      throw CommandError.of('FailedToParse', `Error parsing array filter :: caused by :: Expected a single top-level field name, found '${a}' and '${b}'`);
    }
    const id = [...ids][0];
    if (!/^[a-z][a-zA-Z0-9]*$/.test(id)) {
      throw CommandError.of('BadValue', `Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string beginning with a lowercase letter, found '${id}'`);
    }
    if (filters.has(id)) throw CommandError.of('FailedToParse', `Found multiple array filters with the same top-level field name ${id}`);
    const test = compileViewPredicate(toView(f) as Doc, (e: unknown) => ({ [id]: toView(e) }));
    filters.set(id, test);
  }
  return filters;
}

function identifierOf(comp: string): string | null {
  const m = /^\$\[(.*)\]$/.exec(comp);
  return m && m[1] !== '' ? m[1] : null;
}

function checkIdentifiers(entries: Entry[], filters: ElementFilters, update: Doc): void {
  const used = new Set<string>();
  for (const e of entries) {
    for (const c of e.comps) {
      const id = identifierOf(c);
      if (id === null) continue;
      if (!filters.has(id)) throw CommandError.of('BadValue', `No array filter found for identifier '${id}' in path '${e.path}'`);
      used.add(id);
    }
  }
  for (const id of filters.keys()) {
    if (!used.has(id)) throw CommandError.of('FailedToParse', `The array filter for identifier '${id}' was not used in the update ${formatDocument(update)}`);
  }
}

/**
 * The index a positional `$` stands for: the first element of the array at `prefix` that the
 * filter's conditions on that array match, tested one element at a time.
 */
function positionalIndex(doc: Doc, prefix: string[], filter: Doc): number {
  const field = prefix.join('.');
  const conditions: Doc = {};
  const collect = (f: Doc) => {
    for (const k of Object.keys(f)) {
      if (k === '$and' && Array.isArray(f.$and)) f.$and.forEach((sub) => isPlainObject(sub) && collect(sub));
      else if (k === field || k.startsWith(`${field}.`)) conditions[k] = f[k];
    }
  };
  collect(filter);
  const arr = getAt(doc, prefix);
  if (Object.keys(conditions).length > 0 && Array.isArray(arr)) {
    const test = compileViewPredicate(toView(conditions) as Doc, (e: unknown) => nest(prefix, [toView(e)]));
    const i = arr.findIndex((e) => test(e));
    if (i >= 0) return i;
  }
  throw CommandError.of('BadValue', 'The positional operator did not find the match needed from the query.');
}

function nest(comps: string[], leaf: unknown): Doc {
  return comps.reduceRight<unknown>((inner, comp) => ({ [comp]: inner }), leaf) as Doc;
}

function getAt(doc: Doc, comps: string[]): unknown {
  let v: unknown = doc;
  for (const c of comps) {
    if (Array.isArray(v) && /^\d+$/.test(c)) v = v[Number(c)];
    else if (isPlainObject(v)) v = v[c];
    else return undefined;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Applying one operator to one path

type Container = Doc | unknown[];
type Leaf = (parent: Container, key: string | number) => boolean;

function applyEntry(doc: Doc, entry: Entry, ctx: UpdateContext, filters: ElementFilters, original: Doc): boolean {
  let comps = entry.comps;
  // The matched element is the one in the document as the filter saw it, before this update.
  const dollar = comps.indexOf('$');
  if (dollar >= 0) comps = [...comps.slice(0, dollar), String(positionalIndex(original, comps.slice(0, dollar), ctx.filter)), ...comps.slice(dollar + 1)];

  if (entry.op === '$rename') return rename(doc, entry);
  const leaf = leafFor(entry, doc, ctx);
  return walk(doc, comps, 0, CREATING.has(entry.op), leaf, filters, entry.path);
}

function has(parent: Container, key: string | number): boolean {
  return Array.isArray(parent) ? (key as number) < parent.length : Object.prototype.hasOwnProperty.call(parent, key);
}

function put(parent: Container, key: string | number, value: unknown): void {
  if (Array.isArray(parent)) {
    while (parent.length < (key as number)) parent.push(null);
    parent[key as number] = value;
  } else parent[key as string] = value;
}

function walk(node: unknown, comps: string[], i: number, creating: boolean, leaf: Leaf, filters: ElementFilters, path: string): boolean {
  const comp = comps[i];
  const fieldName = comps[i - 1] ?? '';
  const allElements = comp === '$[]';
  const identifier = identifierOf(comp);
  if (allElements || identifier !== null) {
    if (!Array.isArray(node)) throw CommandError.of('BadValue', `Cannot apply array updates to non-array element ${fieldName}: ${formatValue(node)}`);
    let modified = false;
    const test = identifier === null ? null : filters.get(identifier)!;
    for (let k = 0; k < node.length; k++) {
      if (test && !test(node[k])) continue;
      modified = step(node, k, comps, i, creating, leaf, filters, path) || modified;
    }
    return modified;
  }
  if (Array.isArray(node)) {
    if (/^\d+$/.test(comp)) return step(node, Number(comp), comps, i, creating, leaf, filters, path);
    if (creating) throw CommandError.of('PathNotViable', `Cannot create field '${comp}' in element {${fieldName}: ${formatValue(node)}}`);
    return false;
  }
  if (isPlainObject(node)) return step(node, comp, comps, i, creating, leaf, filters, path);
  if (creating) throw CommandError.of('PathNotViable', `Cannot create field '${comp}' in element {${fieldName}: ${formatValue(node)}}`);
  return false;
}

function step(parent: Container, key: string | number, comps: string[], i: number, creating: boolean, leaf: Leaf, filters: ElementFilters, path: string): boolean {
  if (i === comps.length - 1) return leaf(parent, key);
  if (!has(parent, key) || (Array.isArray(parent) && parent[key as number] === undefined)) {
    if (!creating) return false;
    const next = comps[i + 1];
    if (next === '$[]' || identifierOf(next) !== null) {
      throw CommandError.of('BadValue', `The path '${comps.slice(0, i + 1).join('.')}' must exist in the document in order to apply array updates.`);
    }
    put(parent, key, {});
  }
  const child = Array.isArray(parent) ? parent[key as number] : (parent as Doc)[key as string];
  return walk(child, comps, i + 1, creating, leaf, filters, path);
}

function get(parent: Container, key: string | number): unknown {
  return Array.isArray(parent) ? parent[key as number] : (parent as Doc)[key as string];
}

function setIfDifferent(parent: Container, key: string | number, value: unknown): boolean {
  if (has(parent, key) && typedEquals(get(parent, key), value)) return false;
  put(parent, key, value);
  return true;
}

function leafFor(entry: Entry, doc: Doc, ctx: UpdateContext): Leaf {
  const { op, arg, path } = entry;
  const nonNumeric = (current: unknown, key: string | number) =>
    CommandError.of(
      'TypeMismatch',
      `Cannot apply ${op} to a value of non-numeric type. {_id: ${formatValue(doc._id)}} has the field '${String(key)}' of non-numeric type ${bsonTypeName(current)}`,
    );
  switch (op) {
    case '$set':
    case '$setOnInsert':
      return (parent, key) => setIfDifferent(parent, key, cloneTree(arg));
    case '$unset':
      return (parent, key) => {
        if (!has(parent, key)) return false;
        if (Array.isArray(parent)) return setIfDifferent(parent, key, null);
        delete (parent as Doc)[key as string];
        return true;
      };
    case '$inc':
    case '$mul':
      return (parent, key) => {
        if (!has(parent, key)) {
          put(parent, key, op === '$inc' ? arg : zeroLike(arg));
          return true;
        }
        const current = get(parent, key);
        if (!numberKind(current)) throw nonNumeric(current, key);
        return setIfDifferent(parent, key, arithmetic(op === '$inc' ? 'add' : 'mul', current, arg));
      };
    case '$min':
    case '$max':
      return (parent, key) => {
        if (!has(parent, key)) return setIfDifferent(parent, key, cloneTree(arg));
        const c = compareValues(arg, get(parent, key));
        if ((op === '$min' && c < 0) || (op === '$max' && c > 0)) return setIfDifferent(parent, key, cloneTree(arg));
        return false;
      };
    case '$currentDate':
      return (parent, key) => setIfDifferent(parent, key, isPlainObject(arg) && arg.$type === 'timestamp' ? ctx.timestamp() : new Date(ctx.now));
    case '$bit':
      return (parent, key) => {
        const current = has(parent, key) ? get(parent, key) : new Int32(0);
        const kind = numberKind(current);
        if (kind !== 'int' && kind !== 'long') {
          throw CommandError.of(
            'BadValue',
            `Cannot apply $bit to a value of non-integral type.{_id: ${formatValue(doc._id)}} has the field ${String(key)} of non-integer type ${bsonTypeName(current)}`,
          );
        }
        let value = BigInt(numeric(current)!.big ?? numeric(current)!.approx);
        let wide = kind === 'long';
        for (const [bitOp, operand] of Object.entries(arg as Doc)) {
          const n = numeric(operand)!;
          const y = n.big ?? BigInt(n.approx);
          wide ||= n.kind === 'long';
          value = bitOp === 'and' ? value & y : bitOp === 'or' ? value | y : value ^ y;
        }
        return setIfDifferent(parent, key, wide ? Long.fromBigInt(BigInt.asIntN(64, value)) : new Int32(Number(BigInt.asIntN(32, value))));
      };
    case '$push':
      return (parent, key) => {
        const current = has(parent, key) ? get(parent, key) : undefined;
        if (current !== undefined && !Array.isArray(current)) {
          throw CommandError.of('BadValue', `The field '${String(key)}' must be an array but is of type ${bsonTypeName(current)} in document {_id: ${formatValue(doc._id)}}`);
        }
        const next = pushed((current as unknown[] | undefined) ?? [], arg);
        if (current === undefined) {
          put(parent, key, next);
          return true;
        }
        return setIfDifferent(parent, key, next);
      };
    case '$addToSet':
      return (parent, key) => {
        const current = has(parent, key) ? get(parent, key) : undefined;
        if (current !== undefined && !Array.isArray(current)) {
          throw CommandError.of('BadValue', `Cannot apply $addToSet to non-array field. Field named '${String(key)}' has non-array type ${bsonTypeName(current)}`);
        }
        const values = isPlainObject(arg) && '$each' in arg ? (arg.$each as unknown[]) : [arg];
        const next = [...((current as unknown[] | undefined) ?? [])];
        for (const v of values) if (!next.some((e) => compareValues(e, v) === 0)) next.push(cloneTree(v));
        if (current === undefined) {
          put(parent, key, next);
          return true;
        }
        return next.length !== (current as unknown[]).length && setIfDifferent(parent, key, next);
      };
    case '$pop':
      return (parent, key) => {
        if (!has(parent, key)) return false;
        const current = get(parent, key);
        if (!Array.isArray(current)) throw CommandError.of('TypeMismatch', `Path '${path}' contains an element of non-array type '${bsonTypeName(current)}'`);
        if (current.length === 0) return false;
        put(parent, key, numeric(arg)!.approx === 1 ? current.slice(0, -1) : current.slice(1));
        return true;
      };
    case '$pull':
    case '$pullAll':
      return (parent, key) => {
        if (!has(parent, key)) return false;
        const current = get(parent, key);
        if (!Array.isArray(current)) throw CommandError.of('BadValue', `Cannot apply ${op} to a non-array value`);
        const matches = op === '$pullAll' ? (e: unknown) => (arg as unknown[]).some((v) => compareValues(e, v) === 0) : pullMatcher(arg);
        const next = current.filter((e) => !matches(e));
        if (next.length === current.length) return false;
        put(parent, key, next);
        return true;
      };
  }
  throw notImplemented(`update operator ${op}`);
}

/**
 * `$pull`'s condition: an operator expression (`{$gte: 6}`) tests each element's value, a
 * document tests each element that is a document as if it were a top-level one, anything else is
 * equality.
 */
function pullMatcher(arg: unknown): (e: unknown) => boolean {
  if (isPlainObject(arg)) {
    const first = Object.keys(arg)[0];
    if (first?.startsWith('$')) return compileViewPredicate({ v: toView(arg) }, (e: unknown) => ({ v: toView(e) }));
    const test = compileViewPredicate(toView(arg) as Doc, (e: Doc) => toView(e));
    return (e) => isPlainObject(e) && test(e);
  }
  return (e) => compareValues(e, arg) === 0;
}

function pushed(current: unknown[], arg: unknown): unknown[] {
  if (!(isPlainObject(arg) && '$each' in arg)) return [...current, cloneTree(arg)];
  for (const k of Object.keys(arg)) {
    if (!['$each', '$slice', '$sort', '$position'].includes(k)) throw CommandError.of('BadValue', `Unrecognized clause in $push: ${k}`);
  }
  const each = (arg.$each as unknown[]).map(cloneTree);
  let out = [...current];
  if (arg.$position !== undefined) {
    const p = numeric(arg.$position);
    if (!p || !Number.isInteger(p.approx)) throw CommandError.of('BadValue', `The value for $position must be an integer value, not of type: ${bsonTypeName(arg.$position)}`);
    const at = p.approx < 0 ? Math.max(0, out.length + p.approx) : Math.min(out.length, p.approx);
    out.splice(at, 0, ...each);
  } else out.push(...each);
  if (arg.$sort !== undefined) out = sortElements(out, arg.$sort);
  if (arg.$slice !== undefined) {
    const s = numeric(arg.$slice);
    if (!s || !Number.isInteger(s.approx)) throw CommandError.of('BadValue', `The value for $slice must be an integer value but was given type: ${bsonTypeName(arg.$slice)}`);
    out = s.approx >= 0 ? out.slice(0, s.approx) : out.slice(Math.max(0, out.length + s.approx));
  }
  return out;
}

function sortElements(values: unknown[], spec: unknown): unknown[] {
  const dir = numeric(spec)?.approx;
  if (dir === 1 || dir === -1) return [...values].sort((a, b) => compareValues(a, b) * dir);
  if (!isPlainObject(spec)) throw CommandError.of('BadValue', 'The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields');
  const keys = parseSort(spec);
  // Elements that are not documents have none of the sort fields: they sort as null.
  const docs = values.map((v) => (isPlainObject(v) ? v : {}));
  const order = new Map(docs.map((d, i) => [d, values[i]]));
  return sortDocuments(docs, keys).map((d) => order.get(d));
}

function rename(doc: Doc, entry: Entry): boolean {
  const from = entry.comps;
  const to = parsePath(entry.arg as string);
  const parentOf = (comps: string[], create: boolean): Doc | null => {
    let node: Doc = doc;
    for (let i = 0; i < comps.length - 1; i++) {
      const v = node[comps[i]];
      if (Array.isArray(v)) {
        throw CommandError.of('BadValue', `The ${create ? 'destination' : 'source'} field cannot be an array element, '${comps.join('.')}' in doc with ${comps[i]} set to ${formatValue(v)}`);
      }
      if (v === undefined) {
        if (!create) return null;
        node[comps[i]] = {};
      } else if (!isPlainObject(v)) {
        if (!create) return null;
        throw CommandError.of('PathNotViable', `Cannot create field '${comps[i + 1]}' in element {${comps[i]}: ${formatValue(v)}}`);
      }
      node = node[comps[i]] as Doc;
    }
    return node;
  };
  const source = parentOf(from, false);
  const last = from[from.length - 1];
  if (!source || !Object.prototype.hasOwnProperty.call(source, last)) return false;
  const value = source[last];
  delete source[last];
  const target = parentOf(to, true)!;
  target[to[to.length - 1]] = value;
  return true;
}
