import { Injectable, Module } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import { createHttpApp } from './bootstrap.js';
import { runHealthChecks } from './health.js';
import { createLogger } from '@partner-ledger/telemetry';
import { PlatformModule } from './platform.module.js';

describe('health', () => {
  it('bounds a check that hangs', async () => {
    const report = await runHealthChecks([{ name: 'stuck', check: () => new Promise<void>(() => {}) }], 20);
    expect(report).toEqual({ status: 'error', checks: { stuck: { status: 'error', detail: 'timed out after 20 ms' } } });
  });

  it("keeps a healthy check's detail and stays ok", async () => {
    const report = await runHealthChecks([
      { name: 'projections', check: async () => 'catching up: partners 12 events behind' },
      { name: 'store', check: async () => undefined },
    ]);
    expect(report).toEqual({ status: 'ok', checks: { projections: { status: 'ok', detail: 'catching up: partners 12 events behind' }, store: { status: 'ok' } } });
  });

  it('builds indicators from injected services through a factory', async () => {
    @Injectable()
    class Store {
      up = false;
      async ping(): Promise<void> {
        if (!this.up) throw new Error('store is down');
      }
    }
    @Module({ providers: [Store], exports: [Store] })
    class StoreModule {}
    @Module({
      imports: [
        StoreModule,
        PlatformModule.forRoot({
          imports: [StoreModule],
          indicators: { inject: [Store], useFactory: (store: Store) => [{ name: 'store', check: () => store.ping() }] },
        }),
      ],
    })
    class Root {}

    const app = await createHttpApp(Root, { logger: createLogger({ level: 'silent' }), title: 't' });
    await app.listen(0, '127.0.0.1');
    try {
      const url = await app.getUrl();
      const down = await fetch(`${url}/health`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ status: 'error', checks: { store: { status: 'error', detail: 'store is down' } } });
      app.get(Store).up = true;
      const up = await fetch(`${url}/health`);
      expect(up.status).toBe(200);
      expect(up.headers.get('cache-control')).toBe('no-store');
    } finally {
      await app.close();
    }
  });
});
