import { afterEach, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * The dependency rules bite: probe files with deliberate violations are written into the tree, the
 * same checks `npm run lint` runs are run on them, and each probe must be refused by its rule's
 * name. The probes are removed afterwards, also when an expectation fails.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = (path: string) => join(root, 'node_modules', path);
// The children are plain Node programs: Jest's ESM flags in NODE_OPTIONS are not theirs.
const env = { ...process.env, NODE_OPTIONS: '' };

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

async function depcruise(...paths: string[]): Promise<Violation[]> {
  const args = [bin('dependency-cruiser/bin/dependency-cruise.mjs'), ...paths, '--config', '.dependency-cruiser.cjs', '--no-cache', '--output-type', 'json'];
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: root, env, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

/** ESLint's findings (rule ids) for `code` as if it were the file at `filePath`. */
async function eslintRules(filePath: string, code: string): Promise<string[]> {
  const args = [bin('eslint/bin/eslint.js'), '--stdin', '--stdin-filename', filePath, '--format', 'json'];
  const child = promisify(execFile)(process.execPath, args, { cwd: root, env, timeout: 60_000 });
  child.child.stdin!.end(code);
  // ESLint exits 1 when it finds something: the report is on stdout either way.
  const stdout = await child.then(
    (r) => r.stdout,
    (error: { stdout?: string }) => error.stdout ?? Promise.reject(error),
  );
  return (JSON.parse(stdout) as { messages: { ruleId: string }[] }[]).flatMap((r) => r.messages.map((m) => m.ruleId));
}

const written: string[] = [];
function probe(path: string, code: string): string {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  written.push(path);
  writeFileSync(file, code);
  return path;
}
afterEach(() => {
  // Whole probe libraries go with their folder; single probe files on their own.
  for (const path of written.splice(0)) rmSync(join(root, path.startsWith('libs/__probe') ? path.split('/').slice(0, 2).join('/') : path), { recursive: true, force: true });
});

const rulesOf = (violations: Violation[], from: string) => violations.filter((v) => v.from === from).map((v) => v.rule.name);

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  it('refuse an outward import from the domain, an app importing another app, and the other forbidden edges', async () => {
    const domain = probe(
      'libs/domain/src/__probe__.ts',
      "import { loadConfig } from '@partner-ledger/config';\nimport { EventEmitter } from 'node:events';\nexport const probe = [loadConfig, EventEmitter];\n",
    );
    const app = probe('apps/api/src/__probe__.ts', "import { UsageError } from '../../cli/src/errors.js';\nexport const probe = UsageError;\n");
    const lib = probe(
      'libs/bus/src/__probe__.ts',
      [
        "import { seeded } from '@partner-ledger/testing';",
        "import fc from 'fast-check';",
        "import { UsageError } from '../../../apps/cli/src/errors.js';",
        "import { loadConfig } from '../../config/src/index.js';",
        'export const probe = [seeded, fc, UsageError, loadConfig];',
        '',
      ].join('\n'),
    );
    const config = probe('libs/config/src/__probe__.ts', "import { JITTER_MAX } from '@partner-ledger/bus';\nexport const probe = JITTER_MAX;\n");
    const deep = probe(
      'apps/cli/src/__probe__.ts',
      "import { parseAmount } from '@partner-ledger/domain/money';\nimport { formatAmount } from '../../../libs/domain/src/money/money.js';\nexport const probe = [parseAmount, formatAmount];\n",
    );

    const violations = await depcruise(domain, app, lib, config, deep);

    expect(rulesOf(violations, domain).sort()).toEqual(['domain-imports-nothing-outside', 'domain-imports-nothing-outside']);
    expect(violations.filter((v) => v.from === domain).map((v) => v.to)).toEqual(expect.arrayContaining(['libs/config/src/index.ts']));
    expect(rulesOf(violations, app)).toContain('app-imports-no-other-app');
    expect(rulesOf(violations, lib)).toEqual(
      expect.arrayContaining(['production-imports-no-test-code', 'production-imports-no-dev-dependency', 'lib-imports-no-app', 'no-relative-import-out-of-package']),
    );
    expect(rulesOf(violations, config)).toContain('config-imports-no-feature-lib');
    expect(rulesOf(violations, deep)).toEqual(expect.arrayContaining(['not-to-unresolvable', 'lib-imported-through-its-index', 'no-relative-import-out-of-package']));
  });

  it('refuse a cycle between two libraries', async () => {
    const a = probe('libs/__probe-a__/src/index.ts', "import { b } from '@partner-ledger/__probe-b__';\nexport const a = (): string => `a${typeof b}`;\n");
    const b = probe('libs/__probe-b__/src/index.ts', "import { a } from '@partner-ledger/__probe-a__';\nexport const b = (): string => `b${typeof a}`;\n");

    const violations = await depcruise(a, b);

    // dependency-cruiser reports a cycle once, on the edge it entered it by.
    expect(violations.map((v) => v.rule.name)).toEqual(['no-cycle-between-libs']);
    expect([a, b]).toContain(violations[0].from);
  });

  it('pass on the real tree', async () => {
    const violations = await depcruise('apps', 'libs', 'test', 'bench');
    expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  });
});

describe('import-path rules (eslint.config.js)', () => {
  it('refuse a relative import climbing three folders and a deep import into a library', async () => {
    expect(await eslintRules('libs/bus/src/sqlite/__probe__.ts', "export { formatAmount } from '../../../domain/src/money/money.js';\n")).toEqual(['no-restricted-imports']);
    expect(await eslintRules('apps/cli/src/__probe__.ts', "export { parseAmount } from '@partner-ledger/domain/money';\n")).toEqual(['no-restricted-imports']);
    expect(await eslintRules('apps/cli/src/__probe__.ts', "export { parseAmount } from '@partner-ledger/domain';\nexport { runCli } from '../../cli/src/cli.js';\n")).toEqual([]);
  });
});
