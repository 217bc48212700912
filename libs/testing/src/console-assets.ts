import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { CONSOLE_CLIENT_DIR } from '@partner-ledger/console';

/**
 * Compiles the console's browser modules from source into a temporary folder, as `npm run build`
 * does into dist (swc, one ES module per file), for an engine a test starts from source.
 */
export async function buildConsoleAssets(): Promise<string> {
  // Loaded here, not at the top: every suite imports @partner-ledger/testing, few need the console.
  const { transformFile } = await import('@swc/core');
  const out = mkdtempSync(join(tmpdir(), 'pl-console-'));
  const sources = (readdirSync(CONSOLE_CLIENT_DIR, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
  for (const file of sources) {
    const { code } = await transformFile(join(CONSOLE_CLIENT_DIR, file), {
      swcrc: false,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
    });
    const target = join(out, relative('.', file).replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code);
  }
  return out;
}
