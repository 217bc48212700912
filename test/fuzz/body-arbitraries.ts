// fast-check generators of hostile request bodies: a route's schema made valid-ish and then broken,
// arbitrary JSON, nesting thousands of levels deep, malformed JSON text, wrong content types. Not a
// spec itself (jest matches *.spec.ts).
import fc from 'fast-check';
import type { JsonSchema } from './openapi-write-routes.js';

/** A JSON token written as it is: what JSON.stringify cannot spell (`1e400`, `1E3`, `-0.0`, 30 digits, 4,000 brackets). */
export class RawJson {
  constructor(readonly text: string) {}
}

export type FuzzValue = null | boolean | number | string | RawJson | FuzzValue[] | { [key: string]: FuzzValue };

/**
 * JSON text of a generated value. Objects are walked by their own keys, so a null-prototype object
 * holding a `__proto__` key is written with it (a literal `{ __proto__: x }` would set the prototype).
 */
export function toJsonText(value: FuzzValue): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .map((k) => `${JSON.stringify(k)}:${toJsonText(value[k]!)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What one generated request sends: its body bytes, content type, and a short label for the report. */
export interface FuzzBody {
  group: 'schema' | 'json' | 'deep' | 'malformed' | 'content-type';
  note: string;
  /** Undefined: no body at all. */
  body: string | Uint8Array | undefined;
  /** Undefined: no Content-Type header. */
  contentType: string | undefined;
  /** The nesting depth, for the deep group. */
  depth?: number;
}

/** Values a field of this name should take to reach past validation: ids of the route's own fixtures. */
export type Hints = Record<string, fc.Arbitrary<FuzzValue>>;

const JSON_TYPE = 'application/json';
const alnum = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_'), minLength: 1, maxLength: 24 });

/** A value the schema accepts, or close to it: hints first, then enum, example, type. */
export function schemaValue(schema: JsonSchema | undefined, hints: Hints, name = ''): fc.Arbitrary<FuzzValue> {
  if (name && hints[name]) return hints[name];
  if (!schema) return fc.constant(Object.create(null) as Record<string, FuzzValue>);
  if (schema.enum?.length) return fc.constantFrom(...(schema.enum as FuzzValue[]));
  if (schema.properties) {
    const props = schema.properties;
    const keys = Object.keys(props);
    const required = new Set(schema.required ?? []);
    return fc.tuple(...keys.map((k) => fc.tuple(schemaValue(props[k], hints, k), fc.boolean()))).map((entries) => {
      const out: Record<string, FuzzValue> = Object.create(null);
      entries.forEach(([v, keep], i) => {
        if (keep || required.has(keys[i]!)) out[keys[i]!] = v;
      });
      return out;
    });
  }
  switch (schema.type) {
    case 'string':
      return schema.example !== undefined ? fc.oneof(fc.constant(schema.example as FuzzValue), alnum) : alnum;
    case 'number':
    case 'integer':
      return fc.integer({ min: schema.minimum ?? 0, max: schema.maximum ?? Math.max(schema.minimum ?? 0, 100) });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(schemaValue(schema.items, hints), { maxLength: 3 });
    default:
      // `type: object` with a scalar example is how the DTOs declare an amount taken as a string or a number.
      return schema.example !== undefined ? fc.constant(schema.example as FuzzValue) : fc.constant(Object.create(null) as Record<string, FuzzValue>);
  }
}

/** Brackets `depth` deep, as text: arrays, objects, or the two alternating. */
export function nested(depth: number, shape: 'array' | 'object' | 'mixed'): RawJson {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    const array = shape === 'array' || (shape === 'mixed' && i % 2 === 0);
    open += array ? '[' : '{"a":';
    close = (array ? ']' : '}') + close;
  }
  // The innermost object needs a value; an innermost array may stay empty.
  return new RawJson(open.endsWith(':') ? `${open}1${close}` : open + close);
}

const numberTokens = [
  '1e400',
  '-1e400',
  '1e-400',
  '1E3',
  '1e3',
  '1E+2',
  '-0',
  '-0.0',
  '0.1e1',
  '1.0000000000000000001',
  '149.99000000000001',
  '123456789012345678901234567890',
  '-123456789012345678901234567890.5',
  '9007199254740993',
  '1e21',
  '0.000000001',
  '-149.99',
  '4.9e-324',
  '1.7976931348623157e308',
];
const stringTokens = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  '\u202e',
  'e\u0301',
  '\ufeff',
  ' 149.99',
  '149.99 ',
  '1e3',
  '1E3',
  '0x1F',
  'NaN',
  'Infinity',
  '-1',
  '-0.00',
  '99999999999999999999999999',
  '../../etc/passwd',
  '%00',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '${jndi:ldap://x}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00.000Z',
  '0000-01-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-01-01T00:00:00+99:99',
  'http://169.254.169.254/latest',
  'http://[::1]/x',
  'javascript:alert(1)',
  'ALL',
  // Paths into a sample, for incoming-webhook mappings.
  '__proto__.polluted',
  'constructor.prototype.x',
  'order..id',
  '[',
  '["a.b"',
  '[99999999999999999999]',
  'order.id[0]',
  'customer.email.length',
  '9999-12-31T24:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-01-01',
];
const hostileKeys = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '', '\u0000', 'a.b', '[0]', '$where'];

/** An object of `n` keys, written as text (fast to build and to send). */
function manyKeys(n: number): RawJson {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`"k${i}":${i}`);
  return new RawJson(`{${parts.join(',')}}`);
}

/** Wrong types, numbers past every range, long strings, unicode, NUL, hostile keys, big containers. */
export const nastyValue: fc.Arbitrary<FuzzValue> = fc.oneof(
  fc.constantFrom<FuzzValue>(null, true, false, 0, 1, -1, [], {}, [null], { a: 1 }, 1.5, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2),
  fc.constantFrom(...numberTokens).map((t) => new RawJson(t)),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(...stringTokens),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 4 }),
  fc.tuple(fc.constantFrom('x', 'é', '😀', '\u0000', '9'), fc.integer({ min: 256, max: 100_000 })).map(([unit, n]) => unit.repeat(n)),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<FuzzValue>,
  fc.integer({ min: 20, max: 500 }).map(manyKeys),
  fc.integer({ min: 1_000, max: 10_000 }).map((n) => new RawJson(`[${'0,'.repeat(n - 1)}0]`)),
  fc.tuple(fc.constantFrom(...hostileKeys), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => {
    const o: Record<string, FuzzValue> = Object.create(null);
    o[k] = v as FuzzValue;
    return o;
  }),
);

type Mutation = { at: number } & ({ op: 'replace'; value: FuzzValue } | { op: 'remove' } | { op: 'extra'; key: string; value: FuzzValue });

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ at: fc.nat(), op: fc.constant('replace' as const), value: nastyValue }),
  fc.record({ at: fc.nat(), op: fc.constant('remove' as const) }),
  fc.record({ at: fc.nat(), op: fc.constant('extra' as const), key: fc.oneof(fc.constantFrom(...hostileKeys), alnum, fc.string({ unit: 'binary', maxLength: 16 })), value: nastyValue }),
);

type Path = (string | number)[];

/** Every node of a value, the root first. */
function pathsOf(value: FuzzValue, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...at, i], out));
  else if (value !== null && typeof value === 'object' && !(value instanceof RawJson)) for (const k of Object.keys(value)) pathsOf(value[k]!, [...at, k], out);
  return out;
}

/** A copy of `value` with the node at `path` replaced (undefined removes it). */
function setAt(value: FuzzValue, path: Path, replacement: FuzzValue | undefined): FuzzValue | undefined {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    const next = setAt(copy[head as number]!, rest, replacement);
    if (next === undefined) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  const copy: Record<string, FuzzValue> = Object.assign(Object.create(null), value);
  const next = setAt(copy[head as string]!, rest, replacement);
  if (next === undefined) delete copy[head as string];
  else copy[head as string] = next;
  return copy;
}

function getAt(value: FuzzValue, path: Path): FuzzValue {
  return path.reduce<FuzzValue>((v, k) => (v as Record<string, FuzzValue>)[k as string]!, value);
}

function isObject(v: FuzzValue): v is Record<string, FuzzValue> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof RawJson);
}

function applyMutation(value: FuzzValue, m: Mutation): { value: FuzzValue; note: string } {
  const paths = pathsOf(value);
  const path = paths[m.at % paths.length]!;
  const where = path.length ? path.join('.') : '(root)';
  if (m.op === 'remove') return path.length ? { value: setAt(value, path, undefined)!, note: `without ${where}` } : { value, note: 'unchanged' };
  if (m.op === 'replace') return { value: setAt(value, path, m.value)!, note: `${where} := ${describe(m.value)}` };
  const target = getAt(value, path);
  if (!isObject(target)) return { value: setAt(value, path, m.value)!, note: `${where} := ${describe(m.value)}` };
  const copy: Record<string, FuzzValue> = Object.assign(Object.create(null), target);
  copy[m.key] = m.value;
  return { value: setAt(value, path, copy)!, note: `${where}[${JSON.stringify(m.key.slice(0, 20))}] extra ${describe(m.value)}` };
}

/** A short label of a value for the report: never the value itself when it is long. */
export function describe(v: FuzzValue): string {
  if (v instanceof RawJson) return v.text.length > 40 ? `raw(${v.text.slice(0, 16)}… ${v.text.length} chars)` : `raw(${v.text})`;
  if (typeof v === 'string') return v.length > 40 ? `string(${v.length} chars of ${JSON.stringify(v.slice(0, 4))}…)` : JSON.stringify(v);
  if (Array.isArray(v)) return `array(${v.length})`;
  if (isObject(v)) return `object(${Object.keys(v).length} keys)`;
  return String(v);
}

/** The route's valid-ish body with one to three mutations. */
export function schemaMutated(valid: fc.Arbitrary<FuzzValue>): fc.Arbitrary<FuzzBody> {
  return fc.tuple(valid, fc.array(mutation, { minLength: 0, maxLength: 3 })).map(([value, mutations]) => {
    let v = value;
    const notes: string[] = [];
    for (const m of mutations) {
      const r = applyMutation(v, m);
      v = r.value;
      notes.push(r.note);
    }
    return { group: 'schema' as const, note: notes.length ? notes.join('; ') : 'valid-ish', body: toJsonText(v), contentType: JSON_TYPE };
  });
}

/**
 * Any JSON at all: small documents, any nasty value as the whole body, and now and then an object of
 * thousands of keys (rarely: until the parser limits the key count, each costs the validator tens of
 * milliseconds, and the suite has a time budget).
 */
export const arbitraryJson: fc.Arbitrary<FuzzBody> = fc.oneof(
  {
    arbitrary: (fc.jsonValue({ maxDepth: 6 }) as fc.Arbitrary<FuzzValue>).map((v) => ({ group: 'json' as const, note: `json ${describe(v)}`, body: toJsonText(v), contentType: JSON_TYPE })),
    weight: 6,
  },
  { arbitrary: nastyValue.map((v) => ({ group: 'json' as const, note: `json ${describe(v)}`, body: toJsonText(v), contentType: JSON_TYPE })), weight: 6 },
  { arbitrary: fc.integer({ min: 1_000, max: 3_000 }).map((n) => ({ group: 'json' as const, note: `object of ${n} keys`, body: manyKeys(n).text, contentType: JSON_TYPE })), weight: 1 },
);

/** Nesting from a few levels to `maxDepth`, at the root or in place of one field of a valid-ish body. */
export function deepNesting(valid: fc.Arbitrary<FuzzValue>, maxDepth: number): fc.Arbitrary<FuzzBody> {
  const depth = fc.oneof({ arbitrary: fc.integer({ min: 1, max: Math.min(64, maxDepth) }), weight: 1 }, { arbitrary: fc.integer({ min: 1, max: maxDepth }), weight: 3 });
  return fc.tuple(valid, depth, fc.constantFrom('array' as const, 'object' as const, 'mixed' as const), fc.nat()).map(([value, d, shape, at]) => {
    const paths = pathsOf(value);
    const path = paths[at % paths.length]!;
    const body = setAt(value, path, nested(d, shape))!;
    return { group: 'deep' as const, note: `${shape} ${d} deep at ${path.length ? path.join('.') : '(root)'}`, body: toJsonText(body), contentType: JSON_TYPE, depth: d };
  });
}

const malformedTexts = [
  '',
  '{',
  '}',
  '[',
  '{"a":1,}',
  '[1,2,]',
  "{'a':1}",
  '{a:1}',
  'NaN',
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":-}',
  '{"a":01}',
  '{"a":1.}',
  '{"a":.5}',
  '{"a":+1}',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  '{"a":"line\nbreak"}',
  '\ufeff{}',
  '{"a":1}{"b":2}',
  '{"a":1} trailing',
  'null',
  'true',
  '0',
  '"a string"',
  '[]',
  '{"a":1,"a":2}',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
  '/* comment */ {}',
  '{"a":1e99999}',
  `{"a":${'9'.repeat(5000)}}`,
  '\u0000',
  '{"a":"\u0000"}',
  '{"a":"\\ud800"}',
];

/** Text that is not JSON, or barely: truncations, syntax errors, bytes that are not UTF-8. */
export function malformedJson(valid: fc.Arbitrary<FuzzValue>): fc.Arbitrary<FuzzBody> {
  return fc.oneof(
    fc.constantFrom(...malformedTexts).map((t) => ({ group: 'malformed' as const, note: `text ${JSON.stringify(t.slice(0, 40))}`, body: t, contentType: JSON_TYPE })),
    fc.tuple(valid, fc.nat()).map(([v, cut]) => {
      const text = toJsonText(v);
      const at = text.length > 1 ? 1 + (cut % (text.length - 1)) : 0;
      return { group: 'malformed' as const, note: `truncated at ${at}/${text.length}`, body: text.slice(0, at), contentType: JSON_TYPE };
    }),
    fc.string({ unit: 'binary', maxLength: 200 }).map((t) => ({ group: 'malformed' as const, note: `random text (${t.length})`, body: t, contentType: JSON_TYPE })),
    fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => ({ group: 'malformed' as const, note: `random bytes (${bytes.length})`, body: bytes, contentType: JSON_TYPE })),
    fc.constant({
      group: 'malformed' as const,
      note: 'invalid UTF-8 in a string',
      body: Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d]),
      contentType: JSON_TYPE,
    }),
  );
}

const contentTypes = [
  undefined,
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json;;;',
  'application/jsonx',
  'application/vnd.api+json',
  'application/problem+json',
  'APPLICATION/JSON',
  '*/*',
  'application/json, text/plain',
  'json',
  '',
];

/** A valid-ish body sent under another (or no) content type. */
export function wrongContentType(valid: fc.Arbitrary<FuzzValue>): fc.Arbitrary<FuzzBody> {
  return fc.tuple(valid, fc.constantFrom(...contentTypes), fc.boolean()).map(([v, contentType, empty]) => ({
    group: 'content-type' as const,
    note: `${empty ? 'no body' : 'body'} as ${contentType === undefined ? '(no content-type)' : JSON.stringify(contentType)}`,
    body: empty ? undefined : toJsonText(v),
    contentType,
  }));
}

/** Every generator for one route, weighted towards its own schema. */
export function fuzzBodies(valid: fc.Arbitrary<FuzzValue>, maxDepth: number): fc.Arbitrary<FuzzBody> {
  return fc.oneof(
    { arbitrary: schemaMutated(valid), weight: 5 },
    { arbitrary: arbitraryJson, weight: 2 },
    { arbitrary: deepNesting(valid, maxDepth), weight: 2 },
    { arbitrary: malformedJson(valid), weight: 2 },
    { arbitrary: wrongContentType(valid), weight: 1 },
  );
}
