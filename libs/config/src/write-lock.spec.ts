import { describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { lockWrites, withWriteLock, writeLockMemory } from './write-lock.js';

/**
 * Another thread holds the lock as a webhook thread would (its word set to its id): a plain JS
 * worker, since threads cannot load the TypeScript sources. It sets `flag` to 1 just before it
 * releases the lock, unless told to die holding it.
 */
async function holder(flag: Int32Array, mode: 'release' | 'die'): Promise<Worker> {
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const word = new Int32Array(workerData.memory);
     const flag = new Int32Array(workerData.flag);
     Atomics.store(word, 0, 9999);
     parentPort.postMessage('held');
     if (workerData.mode === 'release') setTimeout(() => { Atomics.store(flag, 0, 1); Atomics.store(word, 0, 0); Atomics.notify(word, 0); }, 100);`,
    { eval: true, workerData: { memory: writeLockMemory(), flag: flag.buffer, mode } },
  );
  await new Promise((resolve) => worker.once('message', resolve));
  return worker;
}

describe('the write lock threads take turns on', () => {
  it('runs a write only once the thread holding the lock has released it', async () => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const worker = await holder(flag, 'release');
    expect(withWriteLock(() => Atomics.load(flag, 0))).toBe(1);
    await worker.terminate();
  });

  it('takes over a lock whose holder died holding it', async () => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const worker = await holder(flag, 'die');
    await worker.terminate();
    expect(withWriteLock(() => 'written')).toBe('written');
    expect(Atomics.load(new Int32Array(writeLockMemory()), 0)).toBe(0);
  });

  it('lets a write nested in another of the same thread through, and frees the lock after the outer one', () => {
    expect(withWriteLock(() => withWriteLock(() => 'inner'))).toBe('inner');
    expect(Atomics.load(new Int32Array(writeLockMemory()), 0)).toBe(0);
    expect(() =>
      withWriteLock(() =>
        withWriteLock(() => {
          throw new Error('boom');
        }),
      ),
    ).toThrow('boom');
    expect(Atomics.load(new Int32Array(writeLockMemory()), 0)).toBe(0);
  });

  it('wraps a connection’s immediate transactions, not its deferred ones (reads)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-write-lock-'));
    const db = lockWrites(new Database(join(dir, 'x.db')));
    try {
      db.exec('CREATE TABLE t (v INTEGER)');
      const flag = new Int32Array(new SharedArrayBuffer(4));
      const insertSeen = db.transaction(() => {
        db.prepare('INSERT INTO t (v) VALUES (?)').run(Atomics.load(flag, 0));
        return Atomics.load(flag, 0);
      });
      const worker = await holder(flag, 'release');
      // A read does not wait for the holder.
      expect(db.transaction(() => Atomics.load(flag, 0)).deferred()).toBe(0);
      expect(insertSeen.immediate()).toBe(1);
      expect(db.prepare('SELECT v FROM t').all()).toEqual([{ v: 1 }]);
      await worker.terminate();
      expect(lockWrites(db)).toBe(db);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
