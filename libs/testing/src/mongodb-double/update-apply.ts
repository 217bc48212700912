/**
 * Applying one operator to one path of a typed document (numbers keep their BSON type).
 */
import { Int32, Long } from 'bson';
import { formatValue } from './bson-format.js';
import { arithmetic, zeroLike } from './bson-arithmetic.js';
import { bsonTypeName, cloneTree, compareValues, isPlainObject, numberKind, numeric, typedEquals, type Doc } from './bson-values.js';
import { toView } from './bson-view.js';
import { CommandError, notImplemented } from './errors.js';
import { compileViewPredicate, parseSort, sortDocuments } from './query.js';
import { type ElementFilters, identifierOf, positionalIndex } from './update-array-filters.js';
import { CREATING, type Entry, parsePath } from './update-parse.js';
import type { UpdateContext } from './update.js';

type Container = Doc | unknown[];
type Leaf = (parent: Container, key: string | number) => boolean;

export function applyEntry(doc: Doc, entry: Entry, ctx: UpdateContext, filters: ElementFilters, original: Doc): boolean {
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
