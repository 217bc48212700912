import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repositoryRoot } from './app-process.js';

/** A lock older than this was left by a worker that died while building (a build takes seconds). */
const STALE_LOCK_MS = 5 * 60_000;
const BUILD_TIMEOUT_MS = 120_000;

/**
 * `npm run build` once per test run, for the specs that start the built apps (`dist/`). Each of
 * them used to build in its own `beforeAll`; with Jest running two files at a time, one spec's
 * build rewrote `dist/` (swc writes each file in place) while another's child processes were
 * loading it, and an app died at start-up with "does not provide an export named …" (CI, on
 * 2026-12-07). Here one build runs at a time, under a lock (a directory, made atomically), and a
 * marker written after it names the test run (`PL_TEST_RUN`, set once by `test/global-setup.js`
 * before the workers start): a later caller of the same run finds it and does not build again,
 * so `dist/` does not change under a running app. Without `PL_TEST_RUN` (a spec run by another
 * runner) every call builds, still one at a time.
 */
export async function buildOnce(): Promise<void> {
  const root = repositoryRoot();
  const marker = join(root, 'dist', '.built-for-test-run');
  const run = process.env.PL_TEST_RUN;
  await withBuildLock(async () => {
    if (run && readMarker(marker) === run) return;
    await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: root, timeout: BUILD_TIMEOUT_MS });
    if (run) writeFileSync(marker, run);
  });
}

/** Runs `work` (anything that writes `dist/`, such as `npm run cli`, which builds first) alone among the builds of this run. */
export async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  const dist = join(repositoryRoot(), 'dist');
  const lock = join(dist, '.build-lock');
  mkdirSync(dist, { recursive: true });
  await acquire(lock);
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function acquire(lock: string): Promise<void> {
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    try {
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
    } catch {
      // released meanwhile
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function readMarker(marker: string): string | null {
  try {
    return readFileSync(marker, 'utf8');
  } catch {
    return null;
  }
}
