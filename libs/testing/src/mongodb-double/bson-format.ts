/** Text, as mongod prints values (BSONElement::toString / BSONObj::toString). */
import { Binary, BSONRegExp, BSONSymbol, Code, DBRef, Decimal128, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';
import { type Doc, isPlainObject, numberKind, numeric, binaryBytes, regexParts, docOf } from './bson-values.js';

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
