import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { connectMongoReadStore, type ReadStore, SqliteReadStore } from '@partner-ledger/read-store';
import { type MongoDbDouble, startMongoDbDouble } from '@partner-ledger/testing';
import { type ReplayJob, ReplayJobRepository } from './replay-job-repository.js';

const job = (n: number, overrides: Partial<ReplayJob> = {}): ReplayJob => ({
  id: `rpj_${n}`,
  programId: 'prg_a',
  endpointId: 'whe_1',
  status: 'succeeded',
  from: null,
  to: '2026-01-01T00:00:00.000Z',
  topics: ['NEW_AFFILIATE'],
  progress: { eventsScanned: 10 * n, lastPosition: String(100 * n), headPosition: '900', messagesQueued: n },
  createdAt: `2026-01-0${n}T00:00:00.000Z`,
  startedAt: `2026-01-0${n}T00:00:01.000Z`,
  finishedAt: null,
  error: null,
  owner: 'rpi_1',
  updatedAt: `2026-01-0${n}T00:00:02.000Z`,
  ...overrides,
});

/** Replay jobs on both read stores: SQLite, and MongoDB through the driver on the protocol test double (or MONGO_URL). */
describe.each([
  ['sqlite', async () => ({ store: SqliteReadStore.open(':memory:') as ReadStore, close: async () => undefined })],
  [
    'mongodb (protocol test double unless MONGO_URL)',
    async () => {
      const double: MongoDbDouble | null = process.env.MONGO_URL ? null : await startMongoDbDouble();
      const store = await connectMongoReadStore(process.env.MONGO_URL ?? double!.url, { dbName: `pl_jobs_${randomUUID().replaceAll('-', '').slice(0, 12)}` });
      return { store: store as ReadStore, close: async () => double?.close() };
    },
  ],
])('ReplayJobRepository on %s', (_name, open) => {
  let store: ReadStore;
  let close: () => Promise<unknown>;
  let jobs: ReplayJobRepository;

  beforeAll(async () => {
    ({ store, close } = await open());
    jobs = new ReplayJobRepository(store);
    for (const n of [1, 2, 3]) await jobs.save(job(n));
    await jobs.save(job(4, { id: 'rpj_other', programId: 'prg_b', endpointId: 'whe_2', status: 'running' }));
  });
  afterAll(async () => {
    await store.close();
    await close();
  });

  it('lets exactly one of several racing instances claim a left job, and the job be claimed again once saved anew', async () => {
    const left = job(7, { status: 'queued', owner: null });
    const wins = await Promise.all(['rpi_a', 'rpi_b', 'rpi_c'].map((owner) => jobs.claim(left, owner)));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await jobs.claim(left, 'rpi_d')).toBe(false);
    // Saved by its new owner, then left again (a newer updatedAt): claimable once more.
    expect(await jobs.claim({ ...left, updatedAt: '2026-01-09T00:00:00.000Z' }, 'rpi_d')).toBe(true);
  });

  it('reads a job back whole, and only within its program', async () => {
    expect(await jobs.get('prg_a', 'rpj_2')).toEqual(job(2));
    expect(await jobs.get('prg_b', 'rpj_2')).toBeNull();
    expect(await jobs.get('prg_a', 'rpj_nope')).toBeNull();
  });

  it("pages a program's jobs newest first", async () => {
    const first = await jobs.page('prg_a', undefined, 2);
    expect(first.map((j) => j.id)).toEqual(['rpj_3', 'rpj_2']);
    const rest = await jobs.page('prg_a', [first[1].createdAt, first[1].id], 2);
    expect(rest.map((j) => j.id)).toEqual(['rpj_1']);
  });

  it("finds an endpoint's unfinished job and every unfinished one, and a save replaces the job", async () => {
    expect(await jobs.unfinishedOf('whe_1')).toBeNull();
    expect((await jobs.unfinishedOf('whe_2'))?.id).toBe('rpj_other');
    await jobs.save(job(5, { status: 'queued' }));
    expect((await jobs.unfinishedOf('whe_1'))?.id).toBe('rpj_5');
    expect((await jobs.unfinished()).map((j) => j.id)).toEqual(['rpj_other', 'rpj_5']);
    await jobs.save(job(5, { status: 'cancelled' }));
    expect(await jobs.unfinishedOf('whe_1')).toBeNull();
    expect((await jobs.get('prg_a', 'rpj_5'))?.status).toBe('cancelled');
  });
});
