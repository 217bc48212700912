import { afterAll, describe, expect, it } from '@jest/globals';
import { SqliteReadStore } from '@partner-ledger/read-store';
import { EndpointCache } from './endpoint-cache.js';
import { CONFIG_NAMESPACE, EndpointRepository, ENDPOINTS, newWebhookEndpoint } from './endpoint-repository.js';

describe('EndpointCache: a worker’s endpoints between refreshes', () => {
  const store = SqliteReadStore.open(':memory:');
  const repo = new EndpointRepository(store);
  afterAll(() => store.close());

  const saved = async (id: string) => {
    const e = newWebhookEndpoint({ id, programId: 'prg', url: 'https://a.example/hook', topics: ['ALL'] });
    await repo.save(e);
    return e;
  };
  /** What another process's write looks like to this one: the document changes, nobody here is told. */
  const writtenElsewhere = (id: string, fields: Record<string, unknown>) =>
    store.get(CONFIG_NAMESPACE, ENDPOINTS, id).then((doc) => store.put(CONFIG_NAMESPACE, ENDPOINTS, { ...doc!, ...fields }));

  it('uses what it read until it is older than the refresh, then reads the change made elsewhere', async () => {
    const e = await saved('whe_elsewhere');
    const cache = new EndpointCache(store, 300);
    cache.open();
    expect((await cache.get(e.id))!.url).toBe('https://a.example/hook');
    await writtenElsewhere(e.id, { url: 'https://b.example/hook', enabled: false });
    expect((await cache.get(e.id))!.url).toBe('https://a.example/hook');
    await new Promise((r) => setTimeout(r, 320));
    expect(await cache.get(e.id)).toMatchObject({ url: 'https://b.example/hook', enabled: false });
    cache.close();
  });

  it('sees a save or a delete made in this process at once', async () => {
    const e = await saved('whe_here');
    const cache = new EndpointCache(store, 60_000);
    cache.open();
    expect((await cache.get(e.id))!.enabled).toBe(true);
    await repo.save({ ...e, enabled: false, disabledReason: 'disabled by request' });
    expect((await cache.get(e.id))!.enabled).toBe(false);
    expect(await repo.delete('prg', e.id)).toBe(true);
    expect(await cache.get(e.id)).toBeNull();
    cache.close();
  });

  it('keeps nothing while closed, and forgets a missing endpoint', async () => {
    const e = await saved('whe_closed');
    const cache = new EndpointCache(store, 60_000);
    expect((await cache.get(e.id))!.url).toBe('https://a.example/hook');
    await writtenElsewhere(e.id, { url: 'https://c.example/hook' });
    expect((await cache.get(e.id))!.url).toBe('https://c.example/hook');
    cache.open();
    expect(await cache.get('whe_later')).toBeNull();
    await store.put(CONFIG_NAMESPACE, ENDPOINTS, { ...newWebhookEndpoint({ id: 'whe_later', programId: 'prg', url: 'https://d.example/hook', topics: ['ALL'] }), _id: 'whe_later', pos: 0 });
    expect((await cache.get('whe_later'))!.url).toBe('https://d.example/hook');
    cache.close();
  });
});
