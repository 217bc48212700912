import { describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { adoptWriteLock, lockWrites, withWriteLock, writeLockMemory, writeLockStats, writeLockWordIndex } from './write-lock.js';

/**
 * Another thread holds the lock as a webhook thread would (its word set to its id): a plain JS
 * worker, since threads cannot load the TypeScript sources. It sets `flag` to 1 just before it
 * releases the lock, unless told to die holding it.
 */
async function holder(flag: Int32Array, mode: 'release' | 'die', index = writeLockWordIndex()): Promise<Worker> {
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const word = new Int32Array(workerData.memory);
     const flag = new Int32Array(workerData.flag);
     const at = workerData.index;
     Atomics.store(word, at, 9999);
     parentPort.postMessage('held');
     if (workerData.mode === 'release') setTimeout(() => { Atomics.store(flag, 0, 1); Atomics.store(word, at, 0); Atomics.notify(word, at); }, 100);`,
    { eval: true, workerData: { memory: writeLockMemory(), flag: flag.buffer, mode, index } },
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
    expect(Atomics.load(new Int32Array(writeLockMemory()), writeLockWordIndex())).toBe(0);
  });

  it('lets a write nested in another of the same thread through, and frees the lock after the outer one', () => {
    expect(withWriteLock(() => withWriteLock(() => 'inner'))).toBe('inner');
    expect(Atomics.load(new Int32Array(writeLockMemory()), writeLockWordIndex())).toBe(0);
    expect(() =>
      withWriteLock(() =>
        withWriteLock(() => {
          throw new Error('boom');
        }),
      ),
    ).toThrow('boom');
    expect(Atomics.load(new Int32Array(writeLockMemory()), writeLockWordIndex())).toBe(0);
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
      const worker = await holder(flag, 'release', writeLockWordIndex(db.name));
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

  it('counts each thread’s turns in its own row: how often, how long it waited, how long it held the lock', async () => {
    const row = (slot: number) => writeLockStats().find((u) => u.file === '' && u.slot === slot) ?? { file: '', slot, acquisitions: 0, waitSeconds: 0, heldSeconds: 0 };
    const before = row(0);
    // Held for at least 30 ms, waited for not at all (the lock is free).
    withWriteLock(() => {
      const until = performance.now() + 30;
      while (performance.now() < until);
    });
    const held = row(0);
    expect(held.acquisitions).toBe(before.acquisitions + 1);
    expect(held.heldSeconds - before.heldSeconds).toBeGreaterThanOrEqual(0.03);
    expect(held.waitSeconds - before.waitSeconds).toBeLessThan(0.03);
    // Waited for another thread that releases it after 100 ms; a nested write is not a turn of its own.
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const worker = await holder(flag, 'release');
    withWriteLock(() => withWriteLock(() => 'inner'));
    await worker.terminate();
    const waited = row(0);
    expect(waited.acquisitions).toBe(held.acquisitions + 1);
    expect(waited.waitSeconds - held.waitSeconds).toBeGreaterThanOrEqual(0.05);
    // A thread that adopts the memory with slot 3 counts in row 3 (this thread, standing in for one).
    const memory = writeLockMemory();
    adoptWriteLock(memory, 3);
    try {
      withWriteLock(() => 'written');
    } finally {
      adoptWriteLock(memory, 0);
    }
    expect(row(3).acquisitions).toBe(1);
    expect(row(0).acquisitions).toBe(waited.acquisitions);
  });

  it('gives each file a lock of its own: a write to one does not wait for a write to another', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-write-lock-'));
    const events = lockWrites(new Database(join(dir, 'events.db')));
    const state = lockWrites(new Database(join(dir, 'state.db')));
    try {
      for (const db of [events, state]) db.exec('CREATE TABLE t (v INTEGER)');
      expect(writeLockWordIndex(events.name)).not.toBe(writeLockWordIndex(state.name));
      expect(writeLockWordIndex(events.name)).toBe(writeLockWordIndex(events.name));
      const flag = new Int32Array(new SharedArrayBuffer(4));
      const worker = await holder(flag, 'release', writeLockWordIndex(events.name));
      const write = (db: Database.Database) => db.transaction(() => db.prepare('INSERT INTO t (v) VALUES (?)').run(Atomics.load(flag, 0))).immediate();
      // The other file's write goes through while the first file's lock is held (flag still 0)…
      write(state);
      // …this file's waits for its holder (flag 1 by then).
      write(events);
      expect(state.prepare('SELECT v FROM t').all()).toEqual([{ v: 0 }]);
      expect(events.prepare('SELECT v FROM t').all()).toEqual([{ v: 1 }]);
      await worker.terminate();
      // Counted by file.
      const files = new Set(writeLockStats().map((u) => u.file));
      expect(files.has('events.db') && files.has('state.db')).toBe(true);
    } finally {
      events.close();
      state.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
