import type { expect as JestExpect } from '@jest/globals';

function jestExpect(): typeof JestExpect {
  const found = (globalThis as { expect?: typeof JestExpect }).expect;
  if (!found) throw new Error('an assertion helper of @partner-ledger/testing was used outside a Jest run');
  return found;
}

/**
 * Jest's `expect` (calls and matchers such as `expect.any`), looked up when an assertion helper
 * runs rather than imported: `@jest/globals` can only be loaded inside a Jest run, and the benches
 * load this lib (RandomHistory, the PRNG) outside one. Jest injects `expect` as a global in every
 * test file, ESM mode included.
 */
export const expect = new Proxy(function () {} as unknown as typeof JestExpect, {
  apply: (_target, _this, args: Parameters<typeof JestExpect>) => jestExpect()(...args),
  get: (_target, property) => Reflect.get(jestExpect(), property),
});
