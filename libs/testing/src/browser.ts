import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';

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

/** One axe-core finding, reduced to what a failing test should print. */
export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * Runs axe-core (from node_modules, injected into the page, so nothing is fetched) over the whole
 * page as it is now and answers its serious and critical violations: the ones that stop a person
 * with a screen reader or a keyboard. Minor and moderate findings are left to review.
 */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeFinding[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.addScriptTag({ path: AXE_SCRIPT });
  // A string, not a function: it runs in the page, and the tests are type-checked without the DOM.
  const violations = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)')) as {
    id: string;
    impact: string | null;
    help: string;
    nodes: { target: unknown[] }[];
  }[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact!, help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')) }));
}
