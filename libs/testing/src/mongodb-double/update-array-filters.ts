/**
 * `arrayFilters` (`$[id]`), and the element a positional `$` stands for.
 */
import { formatDocument } from './bson-format.js';
import { isPlainObject, type Doc } from './bson-values.js';
import { toView } from './bson-view.js';
import { CommandError } from './errors.js';
import { compileViewPredicate } from './query.js';
import { type Entry } from './update-parse.js';

export type ElementFilters = Map<string, (element: unknown) => boolean>;

export function parseArrayFilters(raw: unknown): ElementFilters {
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
      throw CommandError.of(
        'BadValue',
        `Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string beginning with a lowercase letter, found '${id}'`,
      );
    }
    if (filters.has(id)) throw CommandError.of('FailedToParse', `Found multiple array filters with the same top-level field name ${id}`);
    const test = compileViewPredicate(toView(f) as Doc, (e: unknown) => ({ [id]: toView(e) }));
    filters.set(id, test);
  }
  return filters;
}

export function identifierOf(comp: string): string | null {
  const m = /^\$\[(.*)\]$/.exec(comp);
  return m && m[1] !== '' ? m[1] : null;
}

export function checkIdentifiers(entries: Entry[], filters: ElementFilters, update: Doc): void {
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
export function positionalIndex(doc: Doc, prefix: string[], filter: Doc): number {
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

export function nest(comps: string[], leaf: unknown): Doc {
  return comps.reduceRight<unknown>((inner, comp) => ({ [comp]: inner }), leaf) as Doc;
}

export function getAt(doc: Doc, comps: string[]): unknown {
  let v: unknown = doc;
  for (const c of comps) {
    if (Array.isArray(v) && /^\d+$/.test(c)) v = v[Number(c)];
    else if (isPlainObject(v)) v = v[c];
    else return undefined;
  }
  return v;
}
