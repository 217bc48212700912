#!/usr/bin/env node
// The analysts' CLI entry point: `npm run cli -- <command> …` (see apps/cli/README.md).
import { runCli } from './cli.js';

// A reader that goes away (`… | head`) is not a failure of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
process.exitCode = code;
