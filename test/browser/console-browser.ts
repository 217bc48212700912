import { describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { findChromium, seriousAccessibilityViolations } from '@partner-ledger/testing';

/**
 * What every browser suite of the console shares: the chromium gate and `shot()`. Screenshots are
 * written at the page's size (the suites open 1280×800) to test-results/screenshots/ (ignored by
 * git, so a run leaves the tree clean); with UPDATE_SCREENSHOTS=1 the ones the README shows are
 * also refreshed in docs/screenshots/.
 */
export const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
const README_SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
/** The screenshots the README shows: committed, so refreshed only when asked. */
const IN_README = new Set(['conversions', 'webhook-endpoint']);
const updateReadme = process.env.UPDATE_SCREENSHOTS === '1';

export const VIEWPORT = { width: 1280, height: 800 };

/**
 * Debian's chromium, or null. Without it the suite is skipped with a message, unless CI is set:
 * then it fails, since `.ci/run` installs the browser. Call at the top of a suite file, and
 * describe the suite only when it answers a path.
 */
export function chromiumOrSkip(suite: string): string | null {
  const path = findChromium();
  if (path) return path;
  if (process.env.CI) {
    describe(suite, () => {
      it('needs Debian chromium: CI is set, so a missing browser fails rather than skips (.ci/run installs it)', () => {
        throw new Error('chromium not found on the PATH');
      });
    });
  } else {
    process.stderr.write(`test/browser: ${suite} skipped, no \`chromium\` on the PATH (apt-get install chromium; with CI set this fails instead)\n`);
    describe.skip(`${suite} (no chromium on the PATH)`, () => it('skipped', () => undefined));
  }
  return null;
}

/** Every page a suite visits is scanned by axe-core (no serious or critical violation), then photographed. */
export async function shot(page: Page, name: string): Promise<void> {
  expect({ page: name, violations: await seriousAccessibilityViolations(page) }).toEqual({ page: name, violations: [] });
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png` });
  if (updateReadme && IN_README.has(name)) copyFileSync(`${SCREENSHOTS}${name}.png`, `${README_SCREENSHOTS}${name}.png`);
}
