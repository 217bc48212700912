/**
 * BSON values as the double holds them: documents are decoded with `promoteValues: false`, so every
 * number keeps its wire type (Int32, Long, Double, Decimal128) and is written back unchanged. This
 * module gives those values mongod's semantics: the canonical type order and comparison
 * (`BSONElement::woCompare`), exact type-sensitive equality (`binaryEqualValues`, which decides
 * whether an update modified anything), the `BSONObj::toString` text that E11000 messages quote,
 * and a plain-JS view for mingo, which only understands JS numbers.
 */
import { Binary, BSONRegExp, BSONSymbol, Code, DBRef, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';
import { CommandError, notImplemented } from './errors.js';

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

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

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

function makeNumber(kind: NumberKind, value: number | bigint): unknown {
  switch (kind) {
    case 'int':
      return new Int32(Number(value));
    case 'long':
      return typeof value === 'bigint' ? Long.fromBigInt(value) : Long.fromNumber(value);
    case 'double':
      return new Double(Number(value));
    case 'decimal':
      return Decimal128.fromString(String(value));
  }
}

const WIDTH: Record<NumberKind, number> = { int: 0, long: 1, double: 2, decimal: 3 };

/**
 * `$inc` / `$mul` arithmetic with mongod's type rules: the result takes the wider type of the two;
 * an int32 result that overflows becomes int64; an int64 overflow fails the update.
 */
export function arithmetic(op: 'add' | 'mul', current: unknown, operand: unknown): unknown {
  const a = numeric(current)!;
  const b = numeric(operand)!;
  const kind = WIDTH[a.kind] >= WIDTH[b.kind] ? a.kind : b.kind;
  if (kind === 'decimal') throw notImplemented('$inc/$mul arithmetic on Decimal128');
  if (kind === 'double') return new Double(op === 'add' ? a.approx + b.approx : a.approx * b.approx);
  const x = a.big ?? BigInt(a.approx);
  const y = b.big ?? BigInt(b.approx);
  const r = op === 'add' ? x + y : x * y;
  if (kind === 'int' && r >= BigInt(INT32_MIN) && r <= BigInt(INT32_MAX)) return new Int32(Number(r));
  if (r < INT64_MIN || r > INT64_MAX) {
    throw CommandError.of('BadValue', `Failed to apply $${op === 'add' ? 'inc' : 'mul'} operations to current value (${formatValue(current)}): integer overflow`);
  }
  return Long.fromBigInt(r);
}

/** The zero `$mul` stores into a missing field: "zero of the same numeric type as the multiplier". */
export function zeroLike(operand: unknown): unknown {
  return makeNumber(numberKind(operand) ?? 'int', numberKind(operand) === 'long' ? 0n : 0);
}

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

function regexParts(v: BSONRegExp | RegExp): [string, string] {
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

function docOf(v: Doc): Doc {
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

// ---------------------------------------------------------------------------------------------
// Index keys

/**
 * A string equal for exactly the values mongod's index treats as one key: numbers by value across
 * int/long/double (1, NumberLong(1) and 1.0 collide), documents with their field names and order,
 * strings by bytes. Decimal128 keys are compared through their decimal text (see README).
 */
export function canonicalKey(v: unknown): string {
  const n = numeric(v);
  if (n) {
    if (n.big !== undefined) return `n${n.big}`;
    if (n.kind === 'decimal') return decimalKey((v as Decimal128).toString());
    if (Number.isNaN(n.approx)) return 'nNaN';
    if (Number.isInteger(n.approx)) return `n${BigInt(n.approx)}`;
    return `n${n.approx}`;
  }
  if (v === undefined) return 'u';
  if (v === null) return 'z';
  if (typeof v === 'string') return `s${JSON.stringify(v)}`;
  if (v instanceof BSONSymbol) return `s${JSON.stringify(v.value)}`;
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (v instanceof Date) return `d${v.getTime()}`;
  if (v instanceof ObjectId) return `o${v.toHexString()}`;
  if (v instanceof Binary) return `b${v.sub_type}:${Buffer.from(binaryBytes(v)).toString('hex')}`;
  if (v instanceof Timestamp) return `t${v.t}:${v.i}`;
  if (v instanceof BSONRegExp || v instanceof RegExp) return `r${JSON.stringify(regexParts(v))}`;
  if (v instanceof MinKey) return '<';
  if (v instanceof MaxKey) return '>';
  if (v instanceof Code) return `c${JSON.stringify(String(v.code))}${v.scope ? canonicalKey(v.scope) : ''}`;
  if (Array.isArray(v)) return `[${v.map(canonicalKey).join(',')}]`;
  const d = docOf(v as Doc);
  return `{${Object.keys(d)
    .map((k) => `${JSON.stringify(k)}:${canonicalKey(d[k])}`)
    .join(',')}}`;
}

/**
 * Integral decimals share the integer key (Decimal128("5") collides with 5); fractional ones are
 * normalised ("1.10" = "1.1") but never collide with a double, although mongod would match a
 * double that is exactly that fraction (0.5): a known gap.
 */
function decimalKey(text: string): string {
  if (text === 'NaN' || text === '-NaN') return 'nNaN';
  if (/Infinity$/.test(text)) return text.startsWith('-') ? 'n-Infinity' : 'nInfinity';
  const m = /^(-)?(\d+)(?:\.(\d+))?(?:E([+-]\d+))?$/i.exec(text);
  if (!m) return `m${text}`;
  let digits = (m[2] + (m[3] ?? '')).replace(/^0+/, '');
  let exp = Number(m[4] ?? 0) - (m[3]?.length ?? 0);
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exp++;
  }
  if (!digits) return 'n0';
  const sign = m[1] ?? '';
  return exp >= 0 ? `n${BigInt(sign + digits + '0'.repeat(exp))}` : `m${sign}${digits}e${exp}`;
}

// ---------------------------------------------------------------------------------------------
// Text, as mongod prints values (BSONElement::toString / BSONObj::toString)

/** C's `%.16g`, which mongod's `appendDoubleNice` uses, plus its `.0` on integral values. */
function formatDouble(x: number): string {
  if (Number.isNaN(x)) return 'nan.0';
  if (!Number.isFinite(x)) return x > 0 ? 'inf.0' : '-inf.0';
  let s: string;
  if (x === 0) s = Object.is(x, -0) ? '-0' : '0';
  else {
    const exp = Math.floor(Math.log10(Math.abs(x)));
    if (exp < -4 || exp >= 16) {
      const [m, e] = x.toExponential(15).split('e');
      const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
      const ev = Number(e);
      s = `${mant}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
    } else {
      s = x.toPrecision(16);
      if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
    }
  }
  return s.includes('.') || s.includes('E') || s.includes('N') ? s : `${s}.0`;
}

function utf8Truncated(s: string): string {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length <= 159) return `"${s}"`;
  return `"${bytes.subarray(0, 150).toString('utf8')}..."`;
}

export function formatValue(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? '[]' : `[ ${v.map((x) => formatValue(x)).join(', ')} ]`;
  if (isPlainObject(v) || v instanceof DBRef) return formatDocument(docOf(v as Doc));
  const kind = numberKind(v);
  if (kind === 'double') return formatDouble(numeric(v)!.approx);
  if (kind === 'int' || kind === 'long') return String(numeric(v)!.big ?? numeric(v)!.approx);
  if (kind === 'decimal') return (v as Decimal128).toString();
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return utf8Truncated(v);
  if (v instanceof BSONSymbol) return utf8Truncated(v.value);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (v instanceof ObjectId) return `ObjectId('${v.toHexString()}')`;
  if (v instanceof Binary) {
    const bytes = binaryBytes(v);
    if (v.sub_type === 4 && bytes.length === 16) {
      const h = Buffer.from(bytes).toString('hex');
      return `UUID("${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}")`;
    }
    const hex = Buffer.from(bytes).toString('hex').toUpperCase();
    return `BinData(${v.sub_type}, ${bytes.length > 80 ? `${hex.slice(0, 140)}...` : hex})`;
  }
  if (v instanceof Timestamp) return `Timestamp(${v.t}, ${v.i})`;
  if (v instanceof BSONRegExp || v instanceof RegExp) {
    const [p, f] = regexParts(v);
    return `/${p}/${f}`;
  }
  if (v instanceof MinKey) return 'MinKey';
  if (v instanceof MaxKey) return 'MaxKey';
  if (v instanceof Code) return v.scope ? `CodeWScope( ${String(v.code)}, ${formatDocument(v.scope as Doc)})` : String(v.code);
  return String(v);
}

export function formatDocument(d: Doc): string {
  const keys = Object.keys(d);
  if (keys.length === 0) return '{}';
  return `{ ${keys.map((k) => `${k}: ${formatValue(d[k])}`).join(', ')} }`;
}

// ---------------------------------------------------------------------------------------------
// The view mingo sees

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
