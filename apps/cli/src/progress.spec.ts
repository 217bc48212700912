import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { progress } from './progress.js';

describe('progress on stderr', () => {
  it('not a terminal: nothing while working, one summary line at the end', () => {
    const out: string[] = [];
    const bar = progress({ write: (s: string) => out.push(s), isTTY: false }, 'export');
    bar.update(10, 100);
    bar.update(100, 100);
    bar.finish('exported 3 event(s)');
    expect(out).toEqual(['exported 3 event(s)\n']);
  });

  it('a terminal: a bar with position and total, then the summary', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
    let text = '';
    stream.on('data', (d) => (text += d));
    const bar = progress(stream, 'rebuild');
    bar.update(5, 200, '5 events (replay)');
    bar.update(200, 200, '200 events (catch-up)');
    bar.finish('rebuilt rm2');
    expect(text).toMatch(/rebuild \[.*\] \d+% \| position \d+\/200 \| \d+ events/);
    expect(text.endsWith('rebuilt rm2\n')).toBe(true);
  });
});
