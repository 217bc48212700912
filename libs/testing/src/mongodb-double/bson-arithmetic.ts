/** `$inc` / `$mul` on typed numbers, and the zero `$mul` stores, with mongod's type rules. */
import { Decimal128, Double, Int32, Long } from 'bson';
import { INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, numberKind, numeric, type NumberKind } from './bson-values.js';
import { formatValue } from './bson-format.js';
import { CommandError, notImplemented } from './errors.js';

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
