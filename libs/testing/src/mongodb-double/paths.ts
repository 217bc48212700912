/**
 * Reading dotted paths the way mongod's index key generator and sort do: a path component that
 * meets an array fans out over the array's documents, and an array at the end of the path
 * contributes its elements (that is what makes an index "multikey").
 */
import { isPlainObject, type Doc } from './bson-values.js';

export interface PathValues {
  values: unknown[];
  /** True when an array was expanded on the way: the path is multikey for this document. */
  multikey: boolean;
}

/** An empty array at the end of a path: mongod indexes and sorts it as `undefined`, below null. */
export const EMPTY_ARRAY = undefined;

export function valuesAtPath(doc: Doc, path: string): PathValues {
  const out: PathValues = { values: [], multikey: false };
  walk(doc, path.split('.'), 0, out);
  return out;
}

function walk(v: unknown, comps: string[], i: number, out: PathValues): void {
  if (i === comps.length) {
    if (Array.isArray(v)) {
      out.multikey = true;
      if (v.length === 0) out.values.push(EMPTY_ARRAY);
      else out.values.push(...v);
    } else out.values.push(v);
    return;
  }
  if (Array.isArray(v)) {
    out.multikey = true;
    const comp = comps[i];
    if (/^\d+$/.test(comp)) {
      if (Number(comp) < v.length) walk(v[Number(comp)], comps, i + 1, out);
      return;
    }
    for (const e of v) if (isPlainObject(e)) walk(e, comps, i, out);
    return;
  }
  if (isPlainObject(v) && Object.prototype.hasOwnProperty.call(v, comps[i])) walk(v[comps[i]], comps, i + 1, out);
}

/** The value of a path without array fan-out (`undefined` when absent): for `_id` and the document an upsert starts from. */
export function getPath(doc: Doc, path: string): unknown {
  let v: unknown = doc;
  for (const comp of path.split('.')) {
    if (isPlainObject(v) && Object.prototype.hasOwnProperty.call(v, comp)) v = v[comp];
    else if (Array.isArray(v) && /^\d+$/.test(comp)) v = v[Number(comp)];
    else return undefined;
  }
  return v;
}
