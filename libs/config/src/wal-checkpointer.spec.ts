import { describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKSTOP_PAGES, checkpointedFiles, checkpointInBackground } from './wal-checkpointer.js';

const openWal = (file: string) => {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
};

/** Waits for `check` to hold, polling every 20 ms, for at most 5 s. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within 5 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('WAL checkpoints in a background thread', () => {
  it('copy committed pages into the database file while the writing connection never checkpoints them itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-ckpt-'));
    const file = join(dir, 'db.sqlite');
    const db = checkpointInBackground(openWal(file));
    try {
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKSTOP_PAGES);
      expect(checkpointedFiles()).toContain(file);
      db.exec('CREATE TABLE t (v BLOB)');
      const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
      // About 2,000 pages (8 MB) in 200 commits: past SQLite's own 1,000-page trigger, below the
      // backstop, so only the thread can have moved them into the file.
      for (let i = 0; i < 200; i++)
        db.transaction(() => {
          for (let k = 0; k < 10; k++) insert.run(Buffer.alloc(4000, i));
        })();
      await eventually(() => statSync(file).size >= 8_000_000, 'the pages in the database file');
      expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 2000 });
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(checkpointedFiles()).not.toContain(file);
  });

  it('run one thread per file, kept until the last connection handed over closes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-ckpt-'));
    const file = join(dir, 'db.sqlite');
    const first = checkpointInBackground(openWal(file));
    const second = checkpointInBackground(openWal(file));
    try {
      expect(checkpointedFiles().filter((f) => f === file)).toHaveLength(1);
      // Handed over twice, counted once.
      checkpointInBackground(first);
      first.close();
      expect(checkpointedFiles()).toContain(file);
    } finally {
      second.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(checkpointedFiles()).not.toContain(file);
  });

  it("close the thread's connection before the last connection handed over closes, so that close is the file's last and leaves only the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-ckpt-'));
    const file = join(dir, 'db.sqlite');
    const db = checkpointInBackground(openWal(file));
    try {
      db.exec('CREATE TABLE t (v INTEGER)');
      // Long enough for the thread to have opened its connection and checkpointed.
      await new Promise((resolve) => setTimeout(resolve, 500));
      db.close();
      // The file's last close checkpoints and removes the WAL and its index: were the thread's
      // connection still open, both would still be there, to vanish later under whoever is
      // removing the directory.
      expect(readdirSync(dir)).toEqual(['db.sqlite']);
      expect(checkpointedFiles()).not.toContain(file);
    } finally {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keep a thread still starting from opening the file once the last connection has closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-ckpt-'));
    const file = join(dir, 'db.sqlite');
    try {
      const db = checkpointInBackground(openWal(file));
      db.exec('CREATE TABLE t (v INTEGER)');
      db.close();
      // A thread opening the file now would make its WAL and index appear in the directory.
      const seen = new Set<string>();
      const deadline = Date.now() + 500;
      while (Date.now() < deadline) {
        for (const name of readdirSync(dir)) seen.add(name);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect([...seen]).toEqual(['db.sqlite']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leave an in-memory database alone', () => {
    const db = checkpointInBackground(new Database(':memory:'));
    expect(checkpointedFiles()).toHaveLength(0);
    db.close();
  });

  it('give a connection its own checkpoints back when the thread cannot run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-ckpt-'));
    const file = join(dir, 'db.sqlite');
    const db = checkpointInBackground(openWal(file));
    // The thread opens the file only if it exists: gone before it starts, its open fails.
    unlinkSync(file);
    try {
      await eventually(() => !checkpointedFiles().includes(file), 'the thread given up');
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
