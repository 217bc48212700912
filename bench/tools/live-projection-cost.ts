import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NewEvent, SqliteEventStore } from '@partner-ledger/event-store';
import { ReadSide } from '@partner-ledger/projections';
import { SqliteReadStore } from '@partner-ledger/read-store';
import { buildLongHistory } from '@partner-ledger/testing';

/**
 * What the live projections cost the engine's main thread per event: a real history (the engine's
 * own, from `buildLongHistory`) appended again into fresh files in group commits of `group`
 * appends, as the engine's HTTP ingest makes them, once with the projections running on the
 * appends (a `ReadSide`, waited on after each group, as a query reading its own write would) and
 * once without, alternated `rounds` times. The difference of the process's CPU per event is the
 * projections' share (their folds, reads and read-store commits). Not part of `npm run bench`:
 *
 *   npx swc apps libs bench -d dist/bench-build -q --ignore "**\/*.spec.ts" && node dist/bench-build/bench/tools/live-projection-cost.js [events=20000] [rounds=3] [group=6]
 */
const wanted = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 3);
const group = Number(process.argv[4] ?? 6);

interface Appended {
  stream: string;
  event: NewEvent;
}

async function history(dir: string): Promise<Appended[]> {
  const { file } = await buildLongHistory({ dataDir: join(dir, 'history'), commands: 300, events: wanted });
  const store = SqliteEventStore.open(file);
  try {
    const out: Appended[] = [];
    for (let from: bigint | 'start' = 'start'; ;) {
      const page = await store.readAll({ fromPosition: from, maxCount: 1_000 });
      for (const e of page) if (from === 'start' || e.position > from) out.push({ stream: e.streamName, event: { type: e.type, data: e.data, metadata: e.metadata } });
      if (page.length < 1_000) return out;
      from = page[page.length - 1].position;
    }
  } finally {
    await store.close();
  }
}

async function measure(events: Appended[], dir: string, projections: boolean): Promise<number> {
  const file = join(dir, `live-${projections ? 'on' : 'off'}.db`);
  const store = SqliteEventStore.open(file);
  const read = SqliteReadStore.open(file);
  const side = new ReadSide(store, read);
  if (projections) await side.start();
  try {
    const cpu = process.cpuUsage();
    for (let i = 0; i < events.length; i += group) {
      const results = await Promise.all(events.slice(i, i + group).map(({ stream, event }) => store.appendToStream(stream, [event])));
      if (projections) await side.waitFor(results[results.length - 1].position, 10_000);
    }
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / events.length;
  } finally {
    await side.stop();
    await read.close();
    await store.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'pl-live-'));
try {
  const events = await history(dir);
  process.stdout.write(`${events.length} events, groups of ${group} appends\n`);
  for (let round = 1; round <= rounds; round++) {
    const off = await measure(events, dir, false);
    const on = await measure(events, dir, true);
    process.stdout.write(`round ${round}: appends alone ${off.toFixed(1)} µs CPU/event, with projections ${on.toFixed(1)}, projections ${(on - off).toFixed(1)} µs/event\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
