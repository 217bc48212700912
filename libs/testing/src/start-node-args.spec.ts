import { describe, expect, it } from '@jest/globals';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeArgsOf, startScriptNodeArgs } from './start-node-args.js';

describe('the node options of the start script', () => {
  it('takes the flags between node and the script, expanding ${NAME:-default}', () => {
    const script = 'npm run build && node --enable-source-maps --max-old-space-size=${HEAP_LIMIT_MB:-1024} dist/apps/api/src/main.js --port 1';
    expect(nodeArgsOf(script, {})).toEqual(['--enable-source-maps', '--max-old-space-size=1024']);
    expect(nodeArgsOf(script, { HEAP_LIMIT_MB: '2048' })).toEqual(['--enable-source-maps', '--max-old-space-size=2048']);
    expect(() => nodeArgsOf('tsx main.ts', {})).toThrow(/does not run node/);
  });

  it("reads this repository's start script: the engine runs with a bounded heap", () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
    expect(startScriptNodeArgs(root, {})).toEqual(expect.arrayContaining([expect.stringMatching(/^--max-old-space-size=\d+$/)]));
  });
});
