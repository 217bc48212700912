import { describe, expect, it } from '@jest/globals';
import type { ReadStore } from '@partner-ledger/read-store';
import { FencedReadStore } from './fenced.js';
import type { Fence } from './single-active.js';

describe('FencedReadStore', () => {
  it('checks the fence before each write and passes its options on (a durable write stays durable)', async () => {
    const calls: string[] = [];
    const inner = {
      kind: 'sqlite',
      put: async (...args: unknown[]) => void calls.push(`put ${JSON.stringify(args)}`),
      delete: async (...args: unknown[]) => {
        calls.push(`delete ${JSON.stringify(args)}`);
        return true;
      },
    } as unknown as ReadStore;
    const fence = { check: async () => void calls.push('check') } as unknown as Fence;
    const store = new FencedReadStore(inner, fence);
    await store.put('config', 'endpoints', { _id: 'e', pos: 0 }, { durable: true });
    await store.delete('config', 'endpoints', 'e', { durable: true });
    await store.put('config', 'deliveries', { _id: 'd', pos: 0 });
    expect(calls).toEqual([
      'check',
      'put ["config","endpoints",{"_id":"e","pos":0},{"durable":true}]',
      'check',
      'delete ["config","endpoints","e",{"durable":true}]',
      'check',
      'put ["config","deliveries",{"_id":"d","pos":0},null]',
    ]);
  });
});
