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
  // collection (a 3 s spec took 70 s). A limit makes Jest run files in worker processes and start a
  // fresh one once the idle heap passes it.
  workerIdleMemoryLimit: '1GB',
  // Two files at a time even on two cores (Jest's default there is one): most suites spend their
  // time waiting on engines, RabbitMQ, child processes and loopback HTTP, so the whole suite took
  // 8.8 min instead of 12.5–13.8 with one worker, all green. Timing is judged by the benchmarks,
  // never by a spec, so the extra load changes no verdict.
  maxWorkers: 2,
  // Names the run, so the specs needing the built apps build them once (libs/testing/src/build-once.ts).
  globalSetup: '<rootDir>/test/global-setup.js',
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
