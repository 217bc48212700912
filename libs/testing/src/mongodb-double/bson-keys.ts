/** Index keys. */
import { Binary, BSONRegExp, BSONSymbol, Code, Decimal128, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';
import { type Doc, numeric, binaryBytes, regexParts, docOf } from './bson-values.js';

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
