import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEventId, SqliteEventStore } from '@partner-ledger/event-store';

/**
 * What the order of event ids costs an append: the same appends (two events each, in group commits
 * of 8, synchronous=FULL as the engine runs) into a log already holding `prefill` events, once
 * with random ids (UUID version 4) and once with the store's own (`newEventId`, version 7,
 * time-ordered), alternated `rounds` times in fresh files. The unique index of ids takes every
 * insert: random ids put each on a random page of it. Prints the CPU (this process, the
 * checkpoint thread included) and the wall time per append. Not part of `npm run bench`:
 *
 *   npx swc apps libs bench -d dist/bench-build -q --ignore "**\/*.spec.ts" && node dist/bench-build/bench/tools/event-id-order.js [prefill=200000] [rounds=3]
 */
const prefill = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 3);
const APPENDS = 16_000;
const GROUP = 8;
const data = { programId: 'prg_1', partnerId: 'par_1', amountMinor: 1050, currency: 'EUR', note: 'x'.repeat(200) };

async function measure(ids: 'v4' | 'v7'): Promise<{ cpuUs: number; wallUs: number }> {
  const newId = ids === 'v7' ? newEventId : randomUUID;
  const dir = mkdtempSync(join(tmpdir(), 'pl-ids-'));
  const store = SqliteEventStore.open(join(dir, 'events.db'));
  try {
    // The history, written fast (no fsync) with the same kind of ids.
    store.db.pragma('synchronous = OFF');
    for (let written = 0; written < prefill; written += 800) {
      await Promise.all(
        Array.from({ length: 100 }, () =>
          store.appendToStream(
            `transaction-prg_1.${randomUUID()}`,
            Array.from({ length: 8 }, () => ({ id: newId(), type: 'TransactionRecorded', data })),
          ),
        ),
      );
    }
    store.db.pragma('synchronous = FULL');
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < APPENDS / GROUP; i++) {
      await Promise.all(
        Array.from({ length: GROUP }, () =>
          store.appendToStream(`transaction-prg_1.${randomUUID()}`, [
            { id: newId(), type: 'TransactionRecorded', data },
            { id: newId(), type: 'ConversionCreated', data },
          ]),
        ),
      );
    }
    const used = process.cpuUsage(cpu);
    return { cpuUs: (used.user + used.system) / APPENDS, wallUs: ((performance.now() - started) * 1000) / APPENDS };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.stdout.write(`${APPENDS} appends of 2 events, groups of ${GROUP}, after ${prefill} events; per append:\n`);
for (let round = 1; round <= rounds; round++) {
  for (const ids of ['v4', 'v7'] as const) {
    const { cpuUs, wallUs } = await measure(ids);
    process.stdout.write(`round ${round} ${ids === 'v4' ? 'random ids (v4)     ' : 'time-ordered ids (v7)'}: ${cpuUs.toFixed(0)} µs CPU, ${wallUs.toFixed(0)} µs wall\n`);
  }
}
