// Nest 12 ships ESM only, so the suite runs in Jest's native ESM mode (see package.json "test").
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const swc = JSON.parse(readFileSync(new URL('./.swcrc', import.meta.url), 'utf8'));
delete swc.$schema;
// @swc/jest is given the config inline, so the base of the `paths` mapping must be absolute.
swc.jsc.baseUrl = fileURLToPath(new URL('.', import.meta.url));

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: { '^@partner-ledger/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts', '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/{apps,libs,test}/**/*.spec.ts'],
  testTimeout: 30000,
  // Each test file's modules stay in the process that ran it (ESM in vm contexts is not freed): run
  // in one process, the suite grew past 4 GB and the later files ran several times slower in garbage
  // collection (a 3 s spec took 70 s). A limit makes Jest run files in a worker process (one, on two
  // cores, as before) and start a fresh one once the idle heap passes it.
  workerIdleMemoryLimit: '1GB',
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
