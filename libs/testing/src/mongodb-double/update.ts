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
import { BSONRegExp, ObjectId, Timestamp } from 'bson';
import { formatValue } from './bson-format.js';
import { cloneTree, isPlainObject, typedEquals, type Doc } from './bson-values.js';
import { CommandError } from './errors.js';
import { applyEntry } from './update-apply.js';
import { checkIdentifiers, parseArrayFilters } from './update-array-filters.js';
import { parseEntries } from './update-parse.js';

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

/** mongod tells an operator update from a replacement by its first field. */
export function isOperatorUpdate(update: Doc): boolean {
  const first = Object.keys(update)[0];
  return first !== undefined && first.startsWith('$');
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
