/**
 * Filters, sorts and limits. Filters are mingo's (its operators follow MongoDB's, including null
 * matching missing fields and type-bracketed comparisons) run on each document's numeric view;
 * sorting is mongod's BSON order on the typed values, because mingo orders mixed types differently.
 */
import { Query } from 'mingo';
import { compareValues, isPlainObject, numeric, type Doc } from './bson-values.js';
import { toView, viewOf } from './bson-view.js';
import { CommandError, notImplemented } from './errors.js';
import { valuesAtPath } from './paths.js';

export type Predicate = (doc: Doc) => boolean;

/** `$where` and `$function` would run client-sent JavaScript inside the test process: refused. */
const MINGO_OPTIONS = { scriptEnabled: false } as const;

export function compileFilter(filter: unknown): Predicate {
  if (filter === undefined || filter === null) return () => true;
  if (!isPlainObject(filter)) throw CommandError.of('TypeMismatch', "BSON field 'filter' is the wrong type, expected type 'object'");
  if (Object.keys(filter).length === 0) return () => true;
  return compileViewPredicate(toView(filter) as Doc, viewOf);
}

/** A mingo query over views; `view` maps the document being tested to the view mingo reads. */
export function compileViewPredicate<T>(viewFilter: Doc, view: (doc: T) => unknown): (doc: T) => boolean {
  assertSupported(viewFilter);
  let query: Query;
  try {
    query = new Query(viewFilter, MINGO_OPTIONS);
  } catch (error) {
    throw CommandError.of('BadValue', (error as Error).message);
  }
  return (doc) => {
    try {
      return query.test(view(doc) as Doc);
    } catch (error) {
      throw CommandError.of('BadValue', (error as Error).message);
    }
  };
}

/** Operators mingo lacks or that need server facilities (text and geo indexes, JavaScript, schemas). */
const UNSUPPORTED_OPERATORS = new Set(['$where', '$function', '$accumulator', '$jsonSchema', '$text', '$near', '$nearSphere', '$geoWithin', '$geoIntersects', '$sampleRate']);
/**
 * The `$type` aliases a numeric view still answers exactly. int/long/double/decimal are all one JS
 * number there, and mingo does not know objectId, binData, timestamp, minKey, maxKey and friends.
 */
const EXACT_TYPES = new Set<unknown>(['string', 2, 'object', 3, 'array', 4, 'bool', 8, 'date', 9, 'null', 10, 'regex', 11, 'number']);

function assertSupported(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(assertSupported);
  if (!isPlainObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (UNSUPPORTED_OPERATORS.has(key)) throw notImplemented(`query operator ${key}`);
    if (key === '$type') {
      for (const t of Array.isArray(value) ? value : [value]) if (!EXACT_TYPES.has(t)) throw notImplemented(`$type ${JSON.stringify(t)}`);
    }
    assertSupported(value);
  }
}

export interface SortKey {
  path: string;
  direction: 1 | -1;
}

export function parseSort(spec: unknown): SortKey[] {
  if (spec === undefined || spec === null) return [];
  if (!isPlainObject(spec)) throw CommandError.of('TypeMismatch', 'Expected field sort to be of type object');
  return Object.keys(spec).map((path) => {
    const v = spec[path];
    if (isPlainObject(v) && '$meta' in v) throw notImplemented('$meta sort');
    const n = numeric(v)?.approx;
    if (n !== 1 && n !== -1) throw new CommandError(15975, '$sort key ordering must be 1 (for ascending) or -1 (for descending)');
    return { path, direction: n };
  });
}

/**
 * mongod's sort: an array field sorts by its smallest element ascending and its largest
 * descending, missing sorts as null, an empty array (EMPTY_ARRAY in paths.ts) below null; ties
 * keep their input order.
 */
export function sortDocuments(docs: Doc[], keys: SortKey[]): Doc[] {
  if (keys.length === 0) return docs;
  const decorated = docs.map((doc, i) => ({ doc, i, key: keys.map((k) => sortValue(doc, k)) }));
  decorated.sort((a, b) => {
    for (let k = 0; k < keys.length; k++) {
      const c = compareValues(a.key[k], b.key[k]);
      if (c !== 0) return c * keys[k].direction;
    }
    return a.i - b.i;
  });
  return decorated.map((d) => d.doc);
}

function sortValue(doc: Doc, key: SortKey): unknown {
  const { values } = valuesAtPath(doc, key.path);
  if (values.length === 0) return null;
  let best = values[0];
  for (const v of values.slice(1)) {
    const c = compareValues(v, best);
    if ((key.direction === 1 && c < 0) || (key.direction === -1 && c > 0)) best = v;
  }
  return best;
}

/** A non-negative integer option (`skip`, `limit`, `batchSize`), as mongod parses them. */
export function nonNegativeInt(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = numeric(value)?.approx;
  if (n === undefined || !Number.isFinite(n)) throw CommandError.of('TypeMismatch', `BSON field '${field}' is the wrong type, expected a number`);
  if (n < 0) throw CommandError.of('BadValue', `${field} value must be non-negative, but received: ${n}`);
  return Math.trunc(n);
}
