/** The view mingo sees. */
import { Binary, BSONRegExp, Timestamp } from 'bson';
import { type Doc, isPlainObject, numeric, binaryBytes } from './bson-values.js';

/**
 * A stand-in mingo compares exactly and in mongod's order: mingo compares objects of one class by
 * their `toString()`, which for Binary is a lossy UTF-8 decoding and for Timestamp a decimal
 * string that orders "10" before "9".
 */
class ViewKey {
  constructor(readonly key: string) {}
  toString(): string {
    return this.key;
  }
}
class BinaryView extends ViewKey {}
class TimestampView extends ViewKey {}

/**
 * mingo compares only JS numbers, Dates and RegExps, so filters run on a copy where every BSON
 * number is a JS number (longs past 2^53 and Decimal128 become the nearest double), BSON regexes
 * are RegExps, and Binary/Timestamp are exact stand-ins. ObjectId stays: its string form is its
 * hex, exact and ordered. The view is for matching only; results always come from the typed
 * document.
 */
export function toView(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toView);
  if (isPlainObject(v)) {
    const out: Doc = {};
    for (const k of Object.keys(v)) out[k] = toView(v[k]);
    return out;
  }
  const n = numeric(v);
  if (n) return n.approx;
  if (v instanceof BSONRegExp) return new RegExp(v.pattern, v.options.replace(/[^imsu]/g, ''));
  if (v instanceof Binary) {
    const bytes = binaryBytes(v);
    return new BinaryView(`${bytes.length.toString(16).padStart(8, '0')}:${v.sub_type.toString(16).padStart(2, '0')}:${Buffer.from(bytes).toString('hex')}`);
  }
  if (v instanceof Timestamp) return new TimestampView(`${v.t.toString(16).padStart(8, '0')}:${v.i.toString(16).padStart(8, '0')}`);
  return v;
}

const viewCache = new WeakMap<object, unknown>();

/** Stored documents never change in place (updates replace them), so their views are cached. */
export function viewOf(doc: Doc): Doc {
  let view = viewCache.get(doc);
  if (view === undefined) viewCache.set(doc, (view = toView(doc)));
  return view as Doc;
}
