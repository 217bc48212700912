import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { withBuildLock } from './build-once.js';

describe('the build lock of a test run', () => {
  it('lets one holder in at a time: the second waits until the first is done', async () => {
    const steps: string[] = [];
    const holder = (name: string) =>
      withBuildLock(async () => {
        steps.push(`${name} in`);
        await sleep(150);
        steps.push(`${name} out`);
        return name;
      });
    expect(await Promise.all([holder('a'), holder('b')])).toEqual(['a', 'b']);
    expect(steps).toEqual(['a in', 'a out', 'b in', 'b out']);
  });

  it('is let go when the work fails', async () => {
    await expect(withBuildLock(async () => Promise.reject(new Error('build failed')))).rejects.toThrow('build failed');
    expect(await withBuildLock(async () => 'next')).toBe('next');
  });
});
