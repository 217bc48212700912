import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { openBus } from '@partner-ledger/bus';
import { type AppConfig, parseAllowedCidrs } from '@partner-ledger/config';
import { createLogger } from '@partner-ledger/platform';
import { openReadStore } from '@partner-ledger/read-store';
import { deliveryWorkerOf } from './delivery-worker-of.js';
import type { DeliveryThreadData, FromThread, ToThread } from './delivery-thread.protocol.js';

/*
 * One delivery thread of the engine (delivery-threads.module.ts): a delivery worker on stores of
 * its own (its own SQLite connections, or its own RabbitMQ connection) beside the main thread's.
 * Its log lines go to the main thread, which writes them where the engine's own go.
 */
const port = parentPort!;
const data = workerData as DeliveryThreadData;
const send = (message: FromThread) => port.postMessage(message);
const config: AppConfig = { ...data.config, webhookAllowedCidrs: parseAllowedCidrs(data.allowedCidrs) };
const logger = createLogger({ level: data.logLevel as never, name: data.logName, destination: { write: (line: string) => send({ type: 'log', line }) } }).child({
  thread: data.thread,
});

try {
  const bus = await openBus(config, logger);
  const store = await openReadStore(config);
  const worker = deliveryWorkerOf(bus, store, config, logger);
  await worker.start();
  port.on('message', (message: ToThread) => {
    if (message.type !== 'stop') return;
    // Finishes the attempts in flight and records them, as the role does on the main thread.
    void (async () => {
      await worker.stop();
      await bus.close();
      await store.close();
      send({ type: 'stopped' });
      port.close();
    })().catch((error: Error) => {
      send({ type: 'failed', message: error.stack ?? error.message });
      port.close();
    });
  });
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'failed', message: (error as Error).stack ?? String(error) });
  port.close();
}
