/**
 * Paths into an outside app's JSON, in the form the mapping accepts: dot paths into objects
 * (`order.details.total`), `[n]` into arrays (`items[0].sku`, `items.0.sku` is accepted too), and
 * `["…"]` for keys a dot path cannot spell (`["user.email"]`, keys with brackets or quotes, "").
 */

import { JsonNumber } from '@partner-ledger/domain';

export type PathSegment = string | number;

export type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';

export interface PathInfo {
  path: string;
  type: JsonType;
  example: unknown;
}

/** Listing stops here: a sample with more leaves than this is not a webhook payload worth mapping. */
export const MAX_LISTED_PATHS = 1000;
/** Elements listed per array: enough to see its shape without listing a thousand order lines. */
export const MAX_ARRAY_ELEMENTS_LISTED = 5;
export const MAX_PATH_DEPTH = 32;
const MAX_EXAMPLE_CHARS = 200;

export class PathSyntaxError extends Error {}

const PLAIN_KEY = /^[^.[\]"\s]+$/;

/** A number the body parser kept as written (JsonNumber) is a number too. */
export const typeOf = (value: unknown): JsonType =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : value instanceof JsonNumber ? 'number' : (typeof value as 'string' | 'number' | 'boolean' | 'object');

export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment) && !/^\d+$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Splits a path into keys and indexes; throws PathSyntaxError naming what is wrong. */
export function parsePath(path: string): PathSegment[] {
  if (typeof path !== 'string' || path.trim() === '') throw new PathSyntaxError('a path must be a non-empty string');
  if (path.length > 1000) throw new PathSyntaxError('a path is at most 1000 characters');
  const segments: PathSegment[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new PathSyntaxError(`${why} at character ${i + 1} of ${JSON.stringify(path)}`);
  };
  while (i < path.length) {
    const ch = path[i];
    if (ch === '[') {
      if (path[i + 1] === '"') {
        // A quoted key ends at the first unescaped quote; JSON.parse decodes its escapes.
        let j = i + 2;
        while (j < path.length && path[j] !== '"') j += path[j] === '\\' ? 2 : 1;
        if (path[j] !== '"' || path[j + 1] !== ']') fail('unterminated ["…"]');
        let key: string;
        try {
          key = JSON.parse(path.slice(i + 1, j + 1)) as string;
        } catch {
          return fail('invalid escape in ["…"]');
        }
        segments.push(key);
        i = j + 2;
      } else {
        const close = path.indexOf(']', i);
        const inside = close < 0 ? '' : path.slice(i + 1, close);
        if (!/^\d{1,9}$/.test(inside)) fail('expected an array index like [0] or a quoted key like ["a.b"]');
        segments.push(Number(inside));
        i = close + 1;
      }
    } else if (ch === '.') {
      if (segments.length === 0 || i === path.length - 1 || path[i + 1] === '.' || path[i + 1] === '[') fail('misplaced "."');
      i += 1;
    } else {
      if (segments.length > 0 && path[i - 1] !== '.') fail('expected "." or "[" between segments');
      let j = i;
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
      const key = path.slice(i, j);
      if (!PLAIN_KEY.test(key)) fail(`"${key}" needs quoting as ["${key}"]`);
      segments.push(key);
      i = j;
    }
    if (segments.length > MAX_PATH_DEPTH) fail(`a path is at most ${MAX_PATH_DEPTH} segments deep`);
  }
  return segments;
}

/**
 * The value at `segments`, or undefined when the path leads nowhere. A plain key made of digits
 * also indexes an array (`items.0.sku`), and a number also names an object key (`{"0": …}`).
 */
export function valueAt(root: unknown, segments: readonly PathSegment[]): unknown {
  let current: unknown = root;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      const index = typeof segment === 'number' ? segment : /^\d+$/.test(segment) ? Number(segment) : NaN;
      if (!Number.isInteger(index)) return undefined;
      current = current[index];
    } else if (current !== null && typeof current === 'object') {
      const key = String(segment);
      if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
      current = (current as Record<string, unknown>)[key];
    } else {
      return undefined;
    }
  }
  return current;
}

const exampleOf = (value: unknown): unknown => (typeof value === 'string' && value.length > MAX_EXAMPLE_CHARS ? `${value.slice(0, MAX_EXAMPLE_CHARS)}…` : value);

/**
 * Every value-bearing path of a sample, depth first in document order: scalars, plus empty
 * objects and arrays (shown so the sample's shape is complete, though they cannot be bound).
 */
export function listPaths(sample: unknown): { paths: PathInfo[]; truncated: boolean } {
  const paths: PathInfo[] = [];
  let truncated = false;
  const walk = (value: unknown, segments: PathSegment[]): void => {
    if (paths.length >= MAX_LISTED_PATHS) {
      truncated = true;
      return;
    }
    const type = typeOf(value);
    if (type === 'object' && segments.length < MAX_PATH_DEPTH) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length > 0) {
        for (const [key, child] of entries) walk(child, [...segments, key]);
        return;
      }
    }
    if (type === 'array' && segments.length < MAX_PATH_DEPTH) {
      const items = value as unknown[];
      if (items.length > 0) {
        items.slice(0, MAX_ARRAY_ELEMENTS_LISTED).forEach((child, index) => walk(child, [...segments, index]));
        if (items.length > MAX_ARRAY_ELEMENTS_LISTED) truncated = true;
        return;
      }
    }
    if (segments.length === 0) return; // a bare scalar body has no paths
    paths.push({ path: formatPath(segments), type, example: type === 'object' || type === 'array' ? (type === 'object' ? {} : []) : exampleOf(value) });
  };
  walk(sample, []);
  return { paths, truncated };
}

export const isBindable = (type: JsonType) => type === 'string' || type === 'number' || type === 'boolean' || type === 'null';
