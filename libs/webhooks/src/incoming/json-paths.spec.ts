import { describe, expect, it } from '@jest/globals';
import { formatPath, listPaths, MAX_LISTED_PATHS, parsePath, PathSyntaxError, valueAt } from './json-paths.js';

describe('json paths', () => {
  it('parses dot paths, indexes and quoted keys', () => {
    expect(parsePath('order.details.total')).toEqual(['order', 'details', 'total']);
    expect(parsePath('items[0].sku')).toEqual(['items', 0, 'sku']);
    expect(parsePath('items.0.sku')).toEqual(['items', '0', 'sku']);
    expect(parsePath('buyer["e.mail"]')).toEqual(['buyer', 'e.mail']);
    expect(parsePath('["a \\"quoted\\" key"][2]')).toEqual(['a "quoted" key', 2]);
    expect(parsePath('user-email')).toEqual(['user-email']);
  });

  it.each(['', ' ', 'a..b', '.a', 'a.', 'a[', 'a[x]', 'a[-1]', 'a["b]', 'a b', 'a["b"]c', 'a.[0]'])('refuses %j', (path) => {
    expect(() => parsePath(path)).toThrow(PathSyntaxError);
  });

  it('formats what it parses', () => {
    for (const segments of [['order', 'id'], ['items', 0, 'sku'], ['e.mail'], ['a', ''], ['0'], ['x', 'with space'], ['q"uote']]) {
      expect(parsePath(formatPath(segments))).toEqual(segments);
    }
  });

  it('reads values, with digit keys indexing arrays and naming object keys', () => {
    const doc = { items: [{ sku: 'A' }, { sku: 'B' }], map: { '0': 'zero' }, n: null };
    expect(valueAt(doc, parsePath('items[1].sku'))).toBe('B');
    expect(valueAt(doc, parsePath('items.1.sku'))).toBe('B');
    expect(valueAt(doc, parsePath('map.0'))).toBe('zero');
    expect(valueAt(doc, parsePath('n'))).toBeNull();
    expect(valueAt(doc, parsePath('items[5].sku'))).toBeUndefined();
    expect(valueAt(doc, parsePath('items.sku'))).toBeUndefined();
    expect(valueAt(doc, parsePath('n.x'))).toBeUndefined();
    expect(valueAt(doc, parsePath('toString'))).toBeUndefined();
  });

  it('lists leaves with type and example, empty containers too, and caps arrays and totals', () => {
    const { paths, truncated } = listPaths({ a: { b: 1, c: [true, null] }, d: {}, e: [], long: 'x'.repeat(300), items: Array.from({ length: 9 }, (_, i) => ({ i })) });
    expect(paths.slice(0, 6)).toEqual([
      { path: 'a.b', type: 'number', example: 1 },
      { path: 'a.c[0]', type: 'boolean', example: true },
      { path: 'a.c[1]', type: 'null', example: null },
      { path: 'd', type: 'object', example: {} },
      { path: 'e', type: 'array', example: [] },
      { path: 'long', type: 'string', example: `${'x'.repeat(200)}…` },
    ]);
    expect(paths.filter((p) => p.path.startsWith('items'))).toHaveLength(5);
    expect(truncated).toBe(true);
    const wide = listPaths(Object.fromEntries(Array.from({ length: MAX_LISTED_PATHS + 50 }, (_, i) => [`k${i}`, i])));
    expect(wide.paths).toHaveLength(MAX_LISTED_PATHS);
    expect(wide.truncated).toBe(true);
  });
});
