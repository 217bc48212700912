// Once per Jest run, before its workers start (they inherit the environment): names the run, so
// the specs that need the built apps build them once between them (libs/testing/src/build-once.ts).
import { randomUUID } from 'node:crypto';

export default function globalSetup() {
  process.env.PL_TEST_RUN ??= randomUUID();
}
