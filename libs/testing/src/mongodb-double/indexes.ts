/**
 * Index specifications and the keys a document produces under them. Only uniqueness is enforced:
 * the double scans instead of planning, so non-unique indexes are kept for `listIndexes` and for
 * the conflicts `createIndexes` reports, nothing more.
 */
import { formatDocument } from './bson-format.js';
import { canonicalKey } from './bson-keys.js';
import { isPlainObject, numeric, typedEquals, type Doc } from './bson-values.js';
import { viewOf } from './bson-view.js';
import { CommandError, notImplemented } from './errors.js';
import { valuesAtPath } from './paths.js';
import { compileViewPredicate } from './query.js';

export interface IndexSpec {
  v: number;
  key: Doc;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Doc;
  /** Other options are stored and listed as given (expireAfterSeconds: no TTL monitor runs). */
  [option: string]: unknown;
}

export const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: '_id_' };

/** Options that change which documents an index holds or rejects: two specs differing in them conflict. */
const BEHAVIOUR_OPTIONS = ['unique', 'sparse', 'partialFilterExpression', 'collation', 'expireAfterSeconds', 'hidden'];
const KNOWN_OPTIONS = new Set(['v', 'key', 'name', 'ns', 'background', ...BEHAVIOUR_OPTIONS]);

export function parseIndexSpec(raw: unknown): IndexSpec {
  if (!isPlainObject(raw)) throw CommandError.of('TypeMismatch', 'Each index specification must be an object');
  const key = raw.key;
  if (!isPlainObject(key) || Object.keys(key).length === 0) throw CommandError.of('CannotCreateIndex', `Index keys cannot be empty.`);
  for (const [field, dir] of Object.entries(key)) {
    if (typeof dir === 'string') throw notImplemented(`'${dir}' indexes`);
    const n = numeric(dir)?.approx;
    if (n === undefined || n === 0 || Number.isNaN(n)) {
      throw CommandError.of('CannotCreateIndex', `Error in specification ${formatDocument(raw)} :: caused by :: Values in the index key pattern can't be 0 or non-numbers: ${field}`);
    }
    if (field === '' || field.split('.').some((c) => c === '' || c.startsWith('$'))) {
      throw CommandError.of('CannotCreateIndex', `Error in specification ${formatDocument(raw)} :: caused by :: Index key contains an illegal field name: ${field}`);
    }
  }
  if (typeof raw.name !== 'string' || raw.name === '') {
    throw CommandError.of('FailedToParse', `Error in specification ${formatDocument(raw)} :: caused by :: The 'name' field is a required property of an index specification`);
  }
  for (const option of Object.keys(raw)) {
    if (!KNOWN_OPTIONS.has(option))
      throw CommandError.of('InvalidIndexSpecificationOption', `The field '${option}' is not valid for an index specification. Specification: ${formatDocument(raw)}`);
  }
  if (raw.collation !== undefined) throw notImplemented('index collation');
  if (raw.partialFilterExpression !== undefined && !isPlainObject(raw.partialFilterExpression)) {
    throw CommandError.of('TypeMismatch', `The field 'partialFilterExpression' must be an object`);
  }
  const spec: IndexSpec = { v: 2, key, name: raw.name };
  for (const option of Object.keys(raw)) if (!['v', 'key', 'name', 'ns', 'background'].includes(option)) spec[option] = raw[option];
  if (spec.unique !== undefined) spec.unique = Boolean(spec.unique);
  if (spec.sparse !== undefined) spec.sparse = Boolean(spec.sparse);
  if (isIdIndex(spec) && (spec.unique !== undefined || spec.sparse !== undefined || spec.partialFilterExpression !== undefined)) {
    const option = spec.unique !== undefined ? 'unique' : spec.sparse !== undefined ? 'sparse' : 'partialFilterExpression';
    throw CommandError.of('InvalidIndexSpecificationOption', `The field '${option}' is not valid for an _id index specification. Specification: ${formatDocument(raw)}`);
  }
  return spec;
}

export function isIdIndex(spec: IndexSpec): boolean {
  const fields = Object.keys(spec.key);
  return fields.length === 1 && fields[0] === '_id';
}

export function sameKeyPattern(a: IndexSpec, b: IndexSpec): boolean {
  const ka = Object.keys(a.key);
  const kb = Object.keys(b.key);
  return ka.length === kb.length && ka.every((f, i) => f === kb[i] && numeric(a.key[f])!.approx === numeric(b.key[f])!.approx);
}

export function sameOptions(a: IndexSpec, b: IndexSpec): boolean {
  return BEHAVIOUR_OPTIONS.every((o) => (a[o] === undefined && b[o] === undefined) || (a[o] !== undefined && b[o] !== undefined && typedEquals(a[o], b[o])));
}

export interface IndexKey {
  /** Canonical text of the whole key: equal keys collide in a unique index. */
  text: string;
  /** The key's value per key-pattern field, as mongod reports it in `keyValue`. */
  values: Doc;
}

export class IndexKeyGenerator {
  private readonly fields: string[];
  private readonly partial: ((doc: Doc) => boolean) | null;

  constructor(readonly spec: IndexSpec) {
    this.fields = Object.keys(spec.key);
    this.partial = spec.partialFilterExpression ? compileViewPredicate(viewOf(spec.partialFilterExpression), viewOf) : null;
  }

  /** The keys `doc` puts in the index; none when a sparse or partial index leaves it out. */
  keysOf(doc: Doc): IndexKey[] {
    if (this.partial && !this.partial(doc)) return [];
    const perField = this.fields.map((f) => valuesAtPath(doc, f));
    if (this.spec.sparse && perField.every((p) => p.values.length === 0)) return [];
    const arrays = this.fields.filter((_, i) => perField[i].multikey);
    if (arrays.length > 1) {
      throw CommandError.of('CannotIndexParallelArrays', `cannot index parallel arrays [${arrays[1]}] [${arrays[0]}]`);
    }
    let combos: unknown[][] = [[]];
    for (const p of perField) {
      const values = p.values.length === 0 ? [null] : p.values;
      combos = combos.flatMap((c) => values.map((v) => [...c, v]));
    }
    const seen = new Map<string, IndexKey>();
    for (const combo of combos) {
      const text = combo.map(canonicalKey).join('\u0000');
      if (!seen.has(text)) {
        const values: Doc = {};
        this.fields.forEach((f, i) => (values[f] = combo[i]));
        seen.set(text, { text, values });
      }
    }
    return [...seen.values()];
  }
}

/** mongod's E11000: `buildDupKeyErrorStatus` text plus DuplicateKeyErrorInfo's keyPattern/keyValue. */
export function duplicateKeyError(ns: string, spec: IndexSpec, keyValue: Doc): CommandError {
  return CommandError.of('DuplicateKey', `E11000 duplicate key error collection: ${ns} index: ${spec.name} dup key: ${formatDocument(keyValue)}`, {
    keyPattern: spec.key,
    keyValue,
  });
}
