/**
 * Find projections (inclusion or exclusion, dotted paths, `_id` included unless excluded), applied
 * to the typed document so numbers keep their BSON types. mingo's projection is not used because it
 * reorders fields: mongod returns included fields in the document's own order.
 */
import { isPlainObject, numeric, type Doc } from './bson-values.js';
import { CommandError, notImplemented } from './errors.js';

type Tree = { [field: string]: Tree | true };

export interface Projection {
  apply(doc: Doc): Doc;
}

export function compileProjection(spec: unknown): Projection | null {
  if (spec === undefined || spec === null) return null;
  if (!isPlainObject(spec)) throw CommandError.of('TypeMismatch', 'Expected field projection to be of type object');
  const fields = Object.keys(spec);
  if (fields.length === 0) return null;

  let idIncluded = true;
  let mode: 'include' | 'exclude' | null = null;
  const tree: Tree = {};
  for (const field of fields) {
    const value = spec[field];
    if (field.startsWith('$') || field.endsWith('.$') || field.includes('.$.') || isPlainObject(value) || typeof value === 'string' || Array.isArray(value)) {
      throw notImplemented(`projection operators and expressions (${field})`);
    }
    const include = typeof value === 'boolean' ? value : numeric(value) ? numeric(value)!.approx !== 0 : true;
    if (field === '_id') {
      idIncluded = include;
      continue;
    }
    const wanted = include ? 'include' : 'exclude';
    if (mode && mode !== wanted) {
      throw include
        ? new CommandError(31253, `Cannot do inclusion on field ${field} in exclusion projection`)
        : new CommandError(31254, `Cannot do exclusion on field ${field} in inclusion projection`);
    }
    mode = wanted;
    addPath(tree, field);
  }
  // `{_id: 1}` alone includes only _id; `{_id: 0}` alone excludes only _id.
  if (mode === null) mode = idIncluded ? 'include' : 'exclude';
  if ((mode === 'include') === idIncluded && !Object.prototype.hasOwnProperty.call(tree, '_id')) addPath(tree, '_id');

  return mode === 'include' ? { apply: (doc) => include(doc, tree) } : { apply: (doc) => exclude(doc, tree) };
}

function addPath(tree: Tree, path: string): void {
  const comps = path.split('.');
  let node = tree;
  for (let i = 0; i < comps.length; i++) {
    const comp = comps[i];
    const last = i === comps.length - 1;
    const existing = node[comp];
    if (existing === true || (last && existing !== undefined)) {
      throw new CommandError(31249, `Path collision at ${path}${last ? '' : ` remaining portion ${comps.slice(i + 1).join('.')}`}`);
    }
    if (last) node[comp] = true;
    else node = (node[comp] ??= {}) as Tree;
  }
}

function include(doc: Doc, tree: Tree): Doc {
  const out: Doc = {};
  for (const key of Object.keys(doc)) {
    const node = tree[key];
    if (node === undefined) continue;
    const v = doc[key];
    if (node === true) out[key] = v;
    else if (isPlainObject(v)) out[key] = include(v, node);
    else if (Array.isArray(v)) out[key] = includeArray(v, node);
  }
  return out;
}

function includeArray(arr: unknown[], tree: Tree): unknown[] {
  const out: unknown[] = [];
  for (const e of arr) {
    if (isPlainObject(e)) out.push(include(e, tree));
    else if (Array.isArray(e)) out.push(includeArray(e, tree));
  }
  return out;
}

function exclude(doc: Doc, tree: Tree): Doc {
  const out: Doc = {};
  for (const key of Object.keys(doc)) {
    const node = tree[key];
    const v = doc[key];
    if (node === true) continue;
    if (node === undefined) out[key] = v;
    else if (isPlainObject(v)) out[key] = exclude(v, node);
    else if (Array.isArray(v)) out[key] = v.map((e) => (isPlainObject(e) ? exclude(e, node) : e));
    else out[key] = v;
  }
  return out;
}
