import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { MAIN_THREAD, nameThisThread, RUNTIME_THREADS, threadCpuSeconds } from './thread-cpu.js';

const burn = (ms: number) => {
  const until = performance.now() + ms;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  return x;
};

// /proc is Linux's: elsewhere both functions answer that they cannot, which the last test checks.
const onLinux = existsSync('/proc/self/task') ? describe : describe.skip;

onLinux('CPU time by thread, from /proc', () => {
  it('counts the main thread’s own work under main, not under the runtime’s threads', () => {
    const before = threadCpuSeconds()!;
    burn(400);
    const after = threadCpuSeconds()!;
    expect(after.get(MAIN_THREAD)! - before.get(MAIN_THREAD)!).toBeGreaterThanOrEqual(0.25);
    expect((after.get(RUNTIME_THREADS) ?? 0) - (before.get(RUNTIME_THREADS) ?? 0)).toBeLessThan(0.2);
  });

  it('counts a thread that named itself under its name, and the others as the runtime’s', async () => {
    // The worker names itself as nameThisThread does (a worker cannot load this TypeScript file),
    // burns 400 ms, and waits to be told to end, so that its time is still there to read.
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       require('node:fs').writeFileSync('/proc/thread-self/comm', 'pl-burner');
       const until = performance.now() + 400; let x = 0;
       while (performance.now() < until) x += Math.sqrt(x + 1);
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
    expect(nameThisThread('webhooks-1')).toBe(false);
  });
});
