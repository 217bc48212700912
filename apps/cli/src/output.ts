import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { UsageError } from './errors.js';
import type { Output } from './progress.js';

/** A file sink that surfaces write errors and honours backpressure. */
export async function openFile(path: string): Promise<{ write(text: string): Promise<void>; close(): Promise<void>; destroy(): void }> {
  const stream: WriteStream = createWriteStream(path);
  let failure: Error | null = null;
  stream.on('error', (error) => (failure = error));
  try {
    await once(stream, 'open');
  } catch (error) {
    throw new UsageError(`--out: cannot write ${path}: ${(error as Error).message}`);
  }
  const check = () => {
    if (failure) throw new Error(`writing ${path} failed: ${(failure as Error).message}`);
  };
  return {
    async write(text) {
      check();
      if (!stream.write(text)) {
        await new Promise<void>((ok) => {
          const done = () => {
            stream.off('drain', done);
            stream.off('error', done);
            ok();
          };
          stream.on('drain', done);
          stream.on('error', done);
        });
      }
      check();
    },
    async close() {
      check();
      await new Promise<void>((ok, fail) => stream.end((e?: Error | null) => (e ? fail(e) : ok())));
      check();
    },
    destroy: () => void stream.destroy(),
  };
}
/** Writes honouring backpressure. */
export async function write(out: Output & Partial<Pick<NodeJS.WritableStream, 'once'>>, text: string): Promise<void> {
  const ok = out.write(text);
  if (ok === false && typeof out.once === 'function') await new Promise<void>((resolve) => out.once!('drain', () => resolve()));
}

/** Elapsed time for the summary lines. */
export const seconds = (started: number) => `${((Date.now() - started) / 1000).toFixed(1)} s`;
