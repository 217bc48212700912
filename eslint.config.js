// ESLint flat config: typescript-eslint's recommended rules (syntax only, not type-aware, so that
// `npm run lint` stays within a few seconds) over apps, libs, test and bench. Formatting is
// Prettier's job and the dependency rules are dependency-cruiser's (.dependency-cruiser.cjs); the
// import-path rules below check what dependency-cruiser cannot see: the specifier as written.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const importPaths = {
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: '^@partner-ledger/[^/]+/',
            message: 'Import a library by its name only (@partner-ledger/<lib>): its index.ts is its whole public surface.',
          },
          {
            regex: '^(\\.\\./){3,}',
            message: 'A relative import climbs at most two folders (../../); import another library by name (@partner-ledger/<lib>).',
          },
        ],
      },
    ],
  },
};

const conventions = {
  rules: {
    // A leading underscore marks a name left unused on purpose: a rest sibling that strips fields
    // (`const { pos: _pos, ...rest } = doc`), a port method's argument an adapter ignores.
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
  },
};

// The console's browser modules run in the browser, not in Node.
const browserCode = { files: ['libs/console/client/**'], languageOptions: { globals: globals.browser } };

const testCode = {
  files: ['**/*.spec.ts', '**/*.fixture.ts', '**/*.contract.ts', '**/testing/**', 'test/**', 'bench/**'],
  rules: {
    // Test code reads untyped JSON bodies (HTTP responses, IPC messages) and pokes at them; typing
    // each one would restate the DTOs the assertions check. Production code keeps the rule.
    '@typescript-eslint/no-explicit-any': 'off',
  },
};

export default defineConfig(
  globalIgnores(['dist/', 'data/', 'coverage/', '.cache/', 'bench/results/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  conventions,
  browserCode,
  testCode,
  importPaths,
);
