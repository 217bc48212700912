import { describe, expect, it } from '@jest/globals';
import { batchesOf } from './batches.js';

/** An iterable that answers from microtasks only, as a subscription over synchronous SQLite does. */
async function* instant(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

describe('batchesOf', () => {
  it('takes what is ready in batches of at most max, in order', async () => {
    const batches: number[][] = [];
    for await (const b of batchesOf(instant(1050), 500)) batches.push(b);
    expect(batches.map((b) => b.length)).toEqual([500, 500, 50]);
    expect(batches.flat()).toEqual(Array.from({ length: 1050 }, (_, i) => i));
  });

  it('lets timers run between batches of a backlog that never blocks', async () => {
    // The lease renewal and /health are timers and sockets: a catch-up must not starve them.
    let timerFired = false;
    setTimeout(() => (timerFired = true), 0);
    const seenBeforeLast: boolean[] = [];
    for await (const b of batchesOf(instant(5_000), 100)) seenBeforeLast.push(timerFired && b[0] < 4_900);
    expect(seenBeforeLast.some(Boolean)).toBe(true);
  });

  it('ends a batch at the first item that would block', async () => {
    async function* twoBursts(): AsyncGenerator<number> {
      yield 1;
      yield 2;
      await new Promise((r) => setTimeout(r, 5));
      yield 3;
    }
    const batches: number[][] = [];
    for await (const b of batchesOf(twoBursts(), 10)) batches.push(b);
    expect(batches).toEqual([[1, 2], [3]]);
  });
});
