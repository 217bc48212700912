import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { MAIN_THREAD, nameThisThread, processCpuSeconds, RUNTIME_THREADS, threadCpuSeconds } from './thread-cpu.js';

/**
 * Keeps the calling thread busy until `label`'s CPU time, as `threadCpuSeconds` reads it, has grown
 * by `seconds`; throws if it has not within 30 s of wall time (the time went elsewhere). CPU time,
 * not wall time: under a loaded CI machine 400 ms of wall time gave the thread 0.18–0.23 s.
 */
const burnUntilCounted = (label: string, seconds: number): number => {
  const from = threadCpuSeconds()!.get(label) ?? 0;
  const deadline = performance.now() + 30_000;
  let x = 0;
  for (;;) {
    for (let i = 0; i < 1e5; i++) x += Math.sqrt(x + i);
    const grown = (threadCpuSeconds()!.get(label) ?? 0) - from;
    if (grown >= seconds) return grown;
    if (performance.now() > deadline) throw new Error(`${label} grew by ${grown} s only in 30 s of busy wall time (${x})`);
  }
};

// /proc is Linux's: elsewhere both functions answer that they cannot, which the last test checks.
const onLinux = existsSync('/proc/self/task') ? describe : describe.skip;

onLinux('CPU time by thread, from /proc', () => {
  it('counts the main thread’s own work under main, not under the runtime’s threads', () => {
    const before = threadCpuSeconds()!;
    const main = burnUntilCounted(MAIN_THREAD, 0.3);
    const after = threadCpuSeconds()!;
    expect(main).toBeGreaterThanOrEqual(0.3);
    // The runtime's helpers did a little meanwhile (a compiler, a collection), far less than main.
    expect((after.get(RUNTIME_THREADS) ?? 0) - (before.get(RUNTIME_THREADS) ?? 0)).toBeLessThan(main / 2);
  });

  it('counts a thread that named itself under its name, and the others as the runtime’s', async () => {
    // The worker names itself as nameThisThread does (a worker cannot load this TypeScript file),
    // keeps busy until its own /proc entry counts 0.3 s of CPU (read there, not through the code
    // under test), and waits to be told to end, so that its time is still there to read.
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const fs = require('node:fs');
       fs.writeFileSync('/proc/thread-self/comm', 'pl-burner');
       const ticks = () => { const f = fs.readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' '); return Number(f[11]) + Number(f[12]); };
       const from = ticks(); let x = 0;
       while (ticks() - from < 30) for (let i = 0; i < 1e5; i++) x += Math.sqrt(x + i);
       parentPort.postMessage('burnt');
       parentPort.on('message', () => process.exit(0));`,
      { eval: true },
    );
    try {
      await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
      const seconds = threadCpuSeconds()!;
      expect(seconds.get('burner')).toBeGreaterThanOrEqual(0.25);
      expect(seconds.has(RUNTIME_THREADS)).toBe(true);
      expect([...seconds.keys()].every((label) => [MAIN_THREAD, RUNTIME_THREADS, 'burner'].includes(label))).toBe(true);
    } finally {
      worker.postMessage('end');
      await new Promise((resolve) => worker.once('exit', resolve));
    }
  });

  it('counts another process’s CPU, all its threads, and answers null once it is gone', async () => {
    // The child keeps busy until its own /proc entry counts 0.3 s, says so, and waits to be killed.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('node:fs');
         const ticks = () => { const f = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' '); return Number(f[11]) + Number(f[12]); };
         const from = ticks(); let x = 0;
         while (ticks() - from < 30) for (let i = 0; i < 1e5; i++) x += Math.sqrt(x + i);
         process.stdout.write('burnt\\n');
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await new Promise((resolve, reject) => child.stdout!.once('data', resolve).once('error', reject));
      expect(processCpuSeconds(child.pid!)).toBeGreaterThanOrEqual(0.3);
    } finally {
      child.kill();
      await exited;
    }
    expect(processCpuSeconds(child.pid!)).toBeNull();
  });

  it('names the calling thread pl-<name>, cut to the 15 bytes the kernel keeps', () => {
    // Named here on the test's main thread, and named back: the engine names only its workers.
    const original = readFileSync('/proc/thread-self/comm', 'utf8').trim();
    try {
      expect(nameThisThread('webhooks-12345678')).toBe(true);
      expect(readFileSync('/proc/thread-self/comm', 'utf8').trim()).toBe('pl-webhooks-123');
    } finally {
      writeFileSync('/proc/thread-self/comm', original);
    }
  });
});

(existsSync('/proc/self/task') ? describe.skip : describe)('CPU time by thread, without /proc', () => {
  it('answers that it cannot', () => {
    expect(threadCpuSeconds()).toBeNull();
    expect(processCpuSeconds(process.pid)).toBeNull();
    expect(nameThisThread('webhooks-1')).toBe(false);
  });
});
