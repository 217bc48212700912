import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteReadStore } from '@partner-ledger/read-store';
import { ALL } from '@partner-ledger/webhooks';
import { EndpointRepository, newWebhookEndpoint, type WebhookEndpoint } from '../endpoints/endpoint-repository.js';
import { BatchEndpoints } from './batch-endpoints.js';

/** An endpoint repository on a real SQLite read store that counts its reads of a program's endpoints. */
class CountingRepository extends EndpointRepository {
  reads: string[] = [];
  override enabled(programId: string): Promise<WebhookEndpoint[]> {
    this.reads.push(programId);
    return super.enabled(programId);
  }
}

describe('BatchEndpoints (the publisher reads a program’s endpoints once per batch)', () => {
  let dir: string;
  let store: SqliteReadStore;
  let repository: CountingRepository;
  const ids = (endpoints: WebhookEndpoint[]) => endpoints.map((e) => e.id).sort();

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pl-batch-endpoints-'));
    store = SqliteReadStore.open(join(dir, 'state.db'));
    repository = new CountingRepository(store);
    await repository.save(newWebhookEndpoint({ id: 'whe_conv', programId: 'prg_a', url: 'https://a.example/conv', topics: ['NEW_CONVERSION'] }));
    await repository.save(newWebhookEndpoint({ id: 'whe_all', programId: 'prg_a', url: 'https://a.example/all', topics: [ALL] }));
    await repository.save(newWebhookEndpoint({ id: 'whe_b', programId: 'prg_b', url: 'https://b.example/', topics: ['NEW_AFFILIATE'] }));
    await repository.save({ ...newWebhookEndpoint({ id: 'whe_off', programId: 'prg_a', url: 'https://a.example/off', topics: ['NEW_CONVERSION'] }), enabled: false });
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads each program once for a batch, and answers each topic its own subscribers', async () => {
    const endpoints = new BatchEndpoints(repository);
    const batch = [{}, {}, {}];
    expect(ids(await endpoints.subscribers(batch, 'prg_a', 'NEW_CONVERSION'))).toEqual(['whe_all', 'whe_conv']);
    expect(ids(await endpoints.subscribers(batch, 'prg_a', 'NEW_AFFILIATE'))).toEqual(['whe_all']);
    expect(ids(await endpoints.subscribers(batch, 'prg_b', 'NEW_AFFILIATE'))).toEqual(['whe_b']);
    expect(ids(await endpoints.subscribers(batch, 'prg_b', 'NEW_CONVERSION'))).toEqual([]);
    expect(ids(await endpoints.subscribers(batch, 'prg_a', 'NEW_CONVERSION'))).toEqual(['whe_all', 'whe_conv']);
    expect(repository.reads).toEqual(['prg_a', 'prg_b']);
  });

  it('shares one read between look-ups made at once', async () => {
    const endpoints = new BatchEndpoints(repository);
    const batch = [{}];
    const answers = await Promise.all([endpoints.subscribers(batch, 'prg_a', 'NEW_CONVERSION'), endpoints.subscribers(batch, 'prg_a', 'NEW_AFFILIATE')]);
    expect(answers.map(ids)).toEqual([['whe_all', 'whe_conv'], ['whe_all']]);
    expect(repository.reads).toEqual(['prg_a']);
  });

  it('sees a change from the next batch on, never a batch later', async () => {
    const endpoints = new BatchEndpoints(repository);
    const first = [{}, {}];
    expect(ids(await endpoints.subscribers(first, 'prg_a', 'NEW_CONVERSION'))).toEqual(['whe_all', 'whe_conv']);
    await repository.save(newWebhookEndpoint({ id: 'whe_new', programId: 'prg_a', url: 'https://a.example/new', topics: ['NEW_CONVERSION'] }));
    await repository.delete('prg_a', 'whe_conv');
    // The rest of the batch is published as of the batch's read.
    expect(ids(await endpoints.subscribers(first, 'prg_a', 'NEW_CONVERSION'))).toEqual(['whe_all', 'whe_conv']);
    const second = [{}];
    expect(ids(await endpoints.subscribers(second, 'prg_a', 'NEW_CONVERSION'))).toEqual(['whe_all', 'whe_new']);
    expect(repository.reads).toEqual(['prg_a', 'prg_a']);
  });
});
