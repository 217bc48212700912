/**
 * The documents of a collection that match a filter, in natural order. There is no query planner:
 * every filter is checked against every document, except that an equality or `$in` on `_id` looks
 * the documents up first (the `_id` index does the same on mongod, returning them in `_id` order).
 */
import { BSONRegExp } from 'bson';
import { compareValues, isPlainObject, type Doc } from './bson-values.js';
import type { Collection } from './collection.js';
import { compileFilter } from './query.js';

export function scan(collection: Collection | undefined, filter: Doc | undefined): Doc[] {
  if (!collection) return [];
  const test = compileFilter(filter);
  return candidates(collection, filter).filter(test);
}

function candidates(collection: Collection, filter: Doc | undefined): Doc[] {
  if (!filter || !Object.prototype.hasOwnProperty.call(filter, '_id')) return collection.all();
  const id = filter._id;
  if (isLiteral(id)) {
    const doc = collection.byId(id);
    return doc ? [doc] : [];
  }
  if (isPlainObject(id) && Object.keys(id).length === 1 && Array.isArray(id.$in) && id.$in.every(isLiteral)) {
    const found = new Set<Doc>();
    for (const v of id.$in) {
      const doc = collection.byId(v);
      if (doc) found.add(doc);
    }
    return [...found].sort((a, b) => compareValues(a._id, b._id));
  }
  return collection.all();
}

/** A value that `_id: v` matches by equality only (not an operator document, regex or array). */
function isLiteral(v: unknown): boolean {
  if (Array.isArray(v) || v instanceof BSONRegExp || v instanceof RegExp || v === null || v === undefined) return false;
  if (isPlainObject(v)) return !Object.keys(v).some((k) => k.startsWith('$'));
  return true;
}
