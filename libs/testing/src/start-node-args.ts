// Test and bench support (not built): run the apps with the node options `npm start` gives them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The node options of package.json's `start` script (the flags between `node` and the script),
 * with the shell's `${NAME:-default}` expanded from `env`, so tests and benches run an app
 * exactly as `npm start` does (its heap budget above all) and package.json stays their one home.
 */
export function startScriptNodeArgs(root: string, env: Record<string, string | undefined> = process.env): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  return nodeArgsOf(pkg.scripts?.start ?? '', env);
}

/** The `--` options after the `node` of a script line, up to the first argument that is not one. */
export function nodeArgsOf(script: string, env: Record<string, string | undefined>): string[] {
  const words = script.trim().split(/\s+/);
  const node = words.indexOf('node');
  if (node < 0) throw new Error(`start script does not run node: ${script}`);
  const args: string[] = [];
  for (const word of words.slice(node + 1)) {
    if (!word.startsWith('--')) break;
    args.push(word.replace(/\$\{(\w+):-([^}]*)\}/g, (_, name: string, fallback: string) => env[name] || fallback));
  }
  return args;
}
