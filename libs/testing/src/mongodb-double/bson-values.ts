/**
 * BSON values as the double holds them: documents are decoded with `promoteValues: false`, so every
 * number keeps its wire type (Int32, Long, Double, Decimal128) and is written back unchanged. This
 * module gives those values mongod's semantics: the canonical type order and comparison
 * (`BSONElement::woCompare`), exact type-sensitive equality (`binaryEqualValues`, which decides
 * whether an update modified anything), the `BSONObj::toString` text that E11000 messages quote,
 * and a plain-JS view for mingo, which only understands JS numbers. The core (types, numbers,
 * comparison, equality) is here; bson-arithmetic.ts, bson-keys.ts (index keys), bson-format.ts
 * (text) and bson-view.ts (mingo's view) build on it.
 */
import { Binary, BSONRegExp, BSONSymbol, Code, DBRef, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';

export type Doc = Record<string, unknown>;

export function isPlainObject(v: unknown): v is Doc {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Copies documents and arrays; BSON value objects are immutable and shared. */
export function cloneTree<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneTree) as T;
  if (isPlainObject(v)) {
    const out: Doc = {};
    for (const k of Object.keys(v)) out[k] = cloneTree(v[k]);
    return out as T;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Types

export type NumberKind = 'int' | 'long' | 'double' | 'decimal';

export const INT32_MIN = -(2 ** 31);
export const INT32_MAX = 2 ** 31 - 1;
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

export function numberKind(v: unknown): NumberKind | null {
  if (v instanceof Int32) return 'int';
  if (v instanceof Double) return 'double';
  if (v instanceof Timestamp) return null; // a Long subclass in `bson`, but its own BSON type
  if (v instanceof Long) return 'long';
  if (v instanceof Decimal128) return 'decimal';
  // Plain JS numbers only appear in values the double builds itself; `bson` would write them so.
  if (typeof v === 'number') return Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX ? 'int' : 'double';
  if (typeof v === 'bigint') return 'long';
  return null;
}

/** The `$type` alias of a value, as mongod names types in its messages. */
export function bsonTypeName(v: unknown): string {
  const kind = numberKind(v);
  if (kind) return kind;
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (v instanceof ObjectId) return 'objectId';
  if (v instanceof Binary) return 'binData';
  if (v instanceof Timestamp) return 'timestamp';
  if (v instanceof BSONRegExp || v instanceof RegExp) return 'regex';
  if (v instanceof MinKey) return 'minKey';
  if (v instanceof MaxKey) return 'maxKey';
  if (v instanceof BSONSymbol) return 'symbol';
  if (v instanceof Code) return v.scope ? 'javascriptWithScope' : 'javascript';
  return 'object';
}

/** mongod's canonical type order (`canonicalizeBSONType`): values compare across types by it. */
function canonicalRank(v: unknown): number {
  if (v instanceof MinKey) return -1;
  if (v === undefined) return 0;
  if (v === null) return 5;
  if (numberKind(v)) return 10;
  if (typeof v === 'string' || v instanceof BSONSymbol) return 15;
  if (Array.isArray(v)) return 25;
  if (v instanceof Binary) return 30;
  if (v instanceof ObjectId) return 35;
  if (typeof v === 'boolean') return 40;
  if (v instanceof Date) return 45;
  if (v instanceof Timestamp) return 47;
  if (v instanceof BSONRegExp || v instanceof RegExp) return 50;
  if (v instanceof Code) return v.scope ? 65 : 60;
  if (v instanceof MaxKey) return 127;
  return 20; // embedded document (DBRef is one on the wire)
}

// ---------------------------------------------------------------------------------------------
// Numbers

interface Numeric {
  kind: NumberKind;
  /** Exact for int, double and longs within ±2^53; nearest double otherwise. */
  approx: number;
  /** Exact integer value of a long. */
  big?: bigint;
}

export function numeric(v: unknown): Numeric | null {
  const kind = numberKind(v);
  if (!kind) return null;
  if (typeof v === 'number') return { kind, approx: v };
  if (typeof v === 'bigint') return { kind, approx: Number(v), big: v };
  if (v instanceof Int32 || v instanceof Double) return { kind, approx: v.value };
  if (v instanceof Long) return { kind, approx: v.toNumber(), big: v.toBigInt() };
  return { kind, approx: Number.parseFloat((v as Decimal128).toString()) };
}

function compareNumeric(a: Numeric, b: Numeric): number {
  // mongod orders NaN below every other number and equal to itself.
  const aNaN = Number.isNaN(a.approx);
  const bNaN = Number.isNaN(b.approx);
  if (aNaN || bNaN) return aNaN && bNaN ? 0 : aNaN ? -1 : 1;
  if (a.big !== undefined && b.big !== undefined) return a.big < b.big ? -1 : a.big > b.big ? 1 : 0;
  // A long beyond 2^53 against a double: compare exactly where the double is integral.
  if (a.big !== undefined && Number.isInteger(b.approx) && Number.isFinite(b.approx)) return cmpBig(a.big, BigInt(b.approx));
  if (b.big !== undefined && Number.isInteger(a.approx) && Number.isFinite(a.approx)) return cmpBig(BigInt(a.approx), b.big);
  return a.approx < b.approx ? -1 : a.approx > b.approx ? 1 : 0;
}

const cmpBig = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

// ---------------------------------------------------------------------------------------------
// Comparison and equality

/** UTF-8 byte order, which is code point order (JS `<` compares UTF-16 units and differs above U+FFFF). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1; // a surrogate half starts a code point above U+FFFF
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length - b.length;
}

export function binaryBytes(b: Binary): Uint8Array {
  return b.buffer.subarray(0, b.position);
}

export function regexParts(v: BSONRegExp | RegExp): [string, string] {
  return v instanceof RegExp ? [v.source, v.flags] : [v.pattern, v.options];
}

/** `BSONElement::woCompare` without field names: the order of sort, `$min`/`$max` and index keys. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = canonicalRank(a);
  const rb = canonicalRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case -1:
    case 0:
    case 5:
    case 127:
      return 0;
    case 10:
      return compareNumeric(numeric(a)!, numeric(b)!);
    case 15:
      return compareStrings(String(a instanceof BSONSymbol ? a.value : a), String(b instanceof BSONSymbol ? b.value : b));
    case 20:
      return compareDocuments(a as Doc, b as Doc);
    case 25:
      return compareDocuments(arrayAsDoc(a as unknown[]), arrayAsDoc(b as unknown[]));
    case 30: {
      const x = binaryBytes(a as Binary);
      const y = binaryBytes(b as Binary);
      if (x.length !== y.length) return x.length < y.length ? -1 : 1;
      const st = (a as Binary).sub_type - (b as Binary).sub_type;
      return st !== 0 ? Math.sign(st) : Math.sign(compareBytes(x, y));
    }
    case 35:
      return Math.sign(compareBytes((a as ObjectId).id, (b as ObjectId).id));
    case 40:
      return a === b ? 0 : a ? 1 : -1;
    case 45:
      return Math.sign((a as Date).getTime() - (b as Date).getTime());
    case 47: {
      const x = a as Timestamp;
      const y = b as Timestamp;
      return x.t !== y.t ? (x.t < y.t ? -1 : 1) : x.i !== y.i ? (x.i < y.i ? -1 : 1) : 0;
    }
    case 50: {
      const [pa, fa] = regexParts(a as BSONRegExp);
      const [pb, fb] = regexParts(b as BSONRegExp);
      return compareStrings(pa, pb) || compareStrings(fa, fb);
    }
    default: {
      const ca = a as Code;
      const cb = b as Code;
      return compareStrings(String(ca.code), String(cb.code)) || compareValues(ca.scope ?? {}, cb.scope ?? {});
    }
  }
}

function arrayAsDoc(a: unknown[]): Doc {
  const d: Doc = {};
  a.forEach((v, i) => (d[String(i)] = v));
  return d;
}

export function docOf(v: Doc): Doc {
  return v instanceof DBRef ? (v.toJSON() as unknown as Doc) : v;
}

/** `BSONObj::woCompare`: element by element, type rank, then field name, then value. */
function compareDocuments(x: Doc, y: Doc): number {
  const a = docOf(x);
  const b = docOf(y);
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  for (let i = 0; ; i++) {
    if (i >= ka.length) return i >= kb.length ? 0 : -1;
    if (i >= kb.length) return 1;
    const va = a[ka[i]];
    const vb = b[kb[i]];
    const ra = canonicalRank(va);
    const rb = canonicalRank(vb);
    if (ra !== rb) return ra < rb ? -1 : 1;
    const names = compareStrings(ka[i], kb[i]);
    if (names !== 0) return names;
    const c = compareValues(va, vb);
    if (c !== 0) return c;
  }
}

/**
 * Same type and same value, recursively, field order included (`binaryEqualValues`): what mongod
 * uses to decide an update was a no-op. `{a: 1}` set to `NumberLong(1)` is a modification.
 */
export function typedEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (bsonTypeName(a) !== bsonTypeName(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => typedEquals(v, bb[i]));
  }
  if (isPlainObject(a)) {
    const bb = b as Doc;
    const ka = Object.keys(a);
    const kb = Object.keys(bb);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && typedEquals(a[k], bb[k]));
  }
  const na = numeric(a);
  if (na) {
    const nb = numeric(b)!;
    if (na.kind === 'decimal') return (a as Decimal128).toString() === (b as Decimal128).toString();
    return Object.is(na.approx, nb.approx) && na.big === nb.big;
  }
  return compareValues(a, b) === 0;
}
