import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DomainError, JsonNumber } from '@partner-ledger/domain';
import { seeded } from '@partner-ledger/testing';
import { parseJsonBody } from './json-body.js';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { startTestApp, type RunningApp } from './test-app.fixture.js';

const LIMITS = { maxDepth: 64, maxKeys: 10_000 };

function refusal(text: string, limits = LIMITS): string {
  try {
    parseJsonBody(text, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).code;
  }
  throw new Error(`expected ${text.slice(0, 40)} to be refused`);
}

/** Random JSON documents with every kind of value, escapes and odd keys included. */
function randomDocument(random: () => number, depth = 0): unknown {
  const pick = Math.floor(random() * (depth > 5 ? 4 : 6));
  const strings = ['', 'plain', 'é ü 日本', 'quote " and \\ back', 'tab\tnew\nline', '\u0000\u001f', '\ud83d\ude00', 'constructor', 'prototype', '0'];
  switch (pick) {
    case 0:
      return strings[Math.floor(random() * strings.length)];
    case 1:
      return [0, 1, -1, 42, 149.99, -0.5, 1e-7, 123456789012, 0.1, 1.7976931348623157e308][Math.floor(random() * 10)];
    case 2:
      return [true, false, null][Math.floor(random() * 3)];
    case 3:
      return Math.floor(random() * 1e9);
    case 4:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomDocument(random, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [strings[Math.floor(random() * strings.length)], randomDocument(random, depth + 1)]));
  }
}

describe('parseJsonBody', () => {
  it('returns what JSON.parse returns for 2,000 random documents, spaced or not', () => {
    const random = seeded(15);
    for (let k = 0; k < 2000; k++) {
      const doc = randomDocument(random);
      for (const text of [JSON.stringify(doc), JSON.stringify(doc, null, k % 2 ? '\t' : ' ')]) {
        expect(parseJsonBody(text, LIMITS)).toEqual(JSON.parse(text));
      }
    }
  });

  it('keeps the text of numbers a float does not give back, and only those', () => {
    const parsed = parseJsonBody('{"a":1e3,"b":149.99000000000001,"c":1.50,"d":-0,"e":1E400,"f":149.99,"g":42,"h":-7,"i":1e-7}', LIMITS) as Record<string, unknown>;
    for (const key of ['a', 'b', 'c', 'd', 'e']) expect(parsed[key]).toBeInstanceOf(JsonNumber);
    expect([parsed.a, parsed.b, parsed.c, parsed.d, parsed.e].map(String)).toEqual(['1e3', '149.99000000000001', '1.50', '-0', '1E400']);
    expect([parsed.f, parsed.g, parsed.h, parsed.i]).toEqual([149.99, 42, -7, 1e-7]);
    // Stored or answered as JSON, a kept number is the number it denotes.
    expect(JSON.stringify(parsed)).toBe('{"a":1000,"b":149.99,"c":1.5,"d":0,"e":null,"f":149.99,"g":42,"h":-7,"i":1e-7}');
  });

  it.each([
    '',
    ' ',
    '{',
    '{"a"',
    '{"a":}',
    '{"a":1,}',
    '[1,]',
    '[1 2]',
    '{a:1}',
    "{'a':1}",
    'nul',
    'tru',
    '01',
    '1.',
    '.5',
    '+1',
    '-',
    '1e',
    '"\t"',
    '"\\x"',
    '"abc',
    '{"a":1}}',
    '[]]',
    'NaN',
  ])('refuses %p as malformed_json', (text) => {
    expect(refusal(text)).toBe('malformed_json');
  });

  it('refuses a __proto__ key anywhere', () => {
    expect(refusal('{"a":[{"__proto__":{"admin":true}}]}')).toBe('malformed_json');
  });

  it('allows nesting up to the limit and refuses one level more', () => {
    expect(parseJsonBody('['.repeat(64) + ']'.repeat(64), LIMITS)).toBeDefined();
    expect(refusal('['.repeat(65) + ']'.repeat(65))).toBe('json_too_deep');
    expect(parseJsonBody('{"a":'.repeat(63) + '{}' + '}'.repeat(63), LIMITS)).toBeDefined();
    expect(refusal('{"a":'.repeat(64) + '{}' + '}'.repeat(64))).toBe('json_too_deep');
    // Refused while parsing: the rest of a body too deep is never looked at, even when it is garbage.
    expect(refusal('['.repeat(1_000_000))).toBe('json_too_deep');
  });

  it('counts keys across the whole body', () => {
    const keys = (count: number) => `[${Array.from({ length: count }, (_, k) => `{"k${k}":${k}}`).join(',')}]`;
    expect((parseJsonBody(keys(10_000), LIMITS) as unknown[]).length).toBe(10_000);
    expect(refusal(keys(10_001))).toBe('json_too_many_keys');
    expect(refusal('{"a":1,"b":2,"c":3}', { maxDepth: 64, maxKeys: 2 })).toBe('json_too_many_keys');
  });
});

describe('JSON limits over HTTP (real HTTP on loopback)', () => {
  let t: RunningApp;
  let small: RunningApp;
  const post = (app: RunningApp, body: string) => fetch(`${app.url}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const problem = async (res: Response) => {
    expect(res.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    const body = (await res.json()) as { status: number; code: string };
    return [res.status, body.code];
  };

  beforeAll(async () => {
    t = await startTestApp({ bodyLimitBytes: 1024 * 1024 });
    small = await startTestApp({ bodyLimitBytes: 1024 * 1024, jsonMaxDepth: 3, jsonMaxKeys: 5 });
  });
  afterAll(async () => {
    await t.app.close();
    await small.app.close();
  });

  it('answers fields nested 1,300 (arrays), 2,400 and 4,100 (objects) and 200,000 levels deep with 400 json_too_deep, not a 500', async () => {
    const arrays = (depth: number) => `{"name":"a","tiers":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const objects = (depth: number) => `{"name":"a","partner":${'{"key":'.repeat(depth)}"k"${'}'.repeat(depth)}}`;
    for (const body of [arrays(1300), objects(2400), objects(4100), arrays(200_000)]) {
      expect(await problem(await post(t, body))).toEqual([400, 'json_too_deep']);
    }
  });

  it('answers 10,001 keys with 400 json_too_many_keys', async () => {
    const body = `{"name":"a",${Array.from({ length: 10_000 }, (_, k) => `"k${k}":1`).join(',')}}`;
    expect(await problem(await post(t, body))).toEqual([400, 'json_too_many_keys']);
  });

  it('takes its limits from the app options, and a body within them still reaches validation', async () => {
    expect(await problem(await post(small, '{"name":"a","tiers":[[[]]]}'))).toEqual([400, 'json_too_deep']);
    expect(await problem(await post(small, '{"name":"a","a":1,"b":2,"c":3,"d":4,"e":5}'))).toEqual([400, 'json_too_many_keys']);
    expect(await problem(await post(small, '{"name":"a","tiers":[{"level":0}]}'))).toEqual([400, 'validation_failed']);
    const ok = await post(small, '{"name":"a","tiers":[{"level":1}]}');
    expect(ok.status).toBe(201);
  });

  it('hands an integer field the number, and refuses a number written so that a float changes it', async () => {
    expect((await post(t, '{"name":"a","amount":30}')).status).toBe(201);
    for (const amount of ['30.0', '3e1', '30.000000000000001']) {
      const res = await post(t, `{"name":"a","amount":${amount}}`);
      expect(await problem(res)).toEqual([400, 'validation_failed']);
    }
  });
});
