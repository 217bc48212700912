import { execFileSync } from 'node:child_process';
import type { Browser } from 'playwright-core';

/**
 * Debian's `chromium` (installed by `.ci/run` when missing); playwright-core drives it, so no
 * browser is downloaded. Null when it is not on the PATH.
 */
export function findChromium(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Headless Chromium; as root (CI containers) it cannot use its sandbox. */
export async function launchChromium(executablePath: string): Promise<Browser> {
  // Loaded here, not at the top: every suite imports @partner-ledger/testing, few drive a browser.
  const { chromium } = await import('playwright-core');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return chromium.launch({ executablePath, headless: true, args: root ? ['--no-sandbox'] : [] });
}
