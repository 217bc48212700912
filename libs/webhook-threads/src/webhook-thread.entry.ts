import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { openBus } from '@partner-ledger/bus';
import { adoptWriteLock, type AppConfig, parseAllowedCidrs } from '@partner-ledger/config';
import { openEventStore } from '@partner-ledger/event-store';
import { createLogger, nameThisThread } from '@partner-ledger/telemetry';
import { ReadSide } from '@partner-ledger/projections';
import { openReadStore } from '@partner-ledger/read-store';
import { deliveryWorkerOf, WebhookPublisher } from '@partner-ledger/webhook-runtime';
import { webhookThreadName } from './thread-name.js';
import type { FromThread, ToThread, WebhookThreadData } from './webhook-thread.protocol.js';

/*
 * One webhook thread of the engine (webhook-threads.ts): a delivery worker, and in the first
 * thread the publisher too (and the projections, with PROJECTOR_THREAD=webhooks), on stores of its
 * own (its own SQLite connections, or its own RabbitMQ connection) beside the main thread's. Its
 * log lines go to the main thread, which writes them where the engine's own go.
 */
const port = parentPort!;
const data = workerData as WebhookThreadData;
const send = (message: FromThread) => port.postMessage(message);
// `pl-webhooks-N` in `top -H`, and its own series in /metrics' process_thread_cpu_seconds_total.
nameThisThread(webhookThreadName(data.thread));
// Before any store opens: its writes take turns with the main thread's on one lock (its counters in row N).
adoptWriteLock(data.writeLock, data.thread);
const config: AppConfig = { ...data.config, webhookAllowedCidrs: parseAllowedCidrs(data.allowedCidrs) };
const logger = createLogger({ level: data.logLevel as never, name: data.logName, destination: { write: (line: string) => send({ type: 'log', line }) } }).child({
  thread: data.thread,
});

try {
  const bus = await openBus(config, logger);
  const store = await openReadStore(config);
  const events = data.publisher || data.projector ? await openEventStore(config, {}, logger) : null;
  // The main thread's read side follows this one's checkpoints, woken by its announcements.
  const projector = data.projector && events ? new ReadSide(events, store, logger, undefined, { announce: true }) : null;
  const publisher = data.publisher && events ? new WebhookPublisher(events, bus, store, { logger }) : null;
  const worker = deliveryWorkerOf(bus, store, config, logger);
  let started = false;
  // As the roles stop on the main thread: the publisher saves its checkpoint, the worker finishes
  // the attempts in flight and records them; then the stores close, the event store last.
  const stop = async () => {
    if (started) {
      await publisher?.stop();
      await worker.stop();
      await projector?.stop();
    }
    await bus.close();
    await store.close();
    await events?.close();
  };
  port.on('message', (message: ToThread) => {
    if (message.type === 'start') {
      // The roles start when the engine says so, once its own modules have loaded: a publisher
      // catching up a long backlog would otherwise take the core the engine loads on.
      started = true;
      void (async () => {
        // The projections first, as on the main thread: the API reads through them.
        await projector?.start();
        await publisher?.start();
        await worker.start();
        send({ type: 'ready' });
      })().catch((error: Error) => send({ type: 'failed', message: error.stack ?? error.message }));
    } else if (message.type === 'health') {
      const problems = [
        ...(publisher?.error ? [`webhook publisher: ${publisher.error.message}`] : []),
        ...(projector?.failures ?? []).map((f) => `projection ${f.projection}: ${f.error.message}`),
      ];
      send({ type: 'health', id: message.id, problem: problems.length ? problems.join('; ') : null });
    } else {
      void stop()
        .then(() => send({ type: 'stopped' }))
        .catch((error: Error) => send({ type: 'failed', message: error.stack ?? error.message }))
        .finally(() => port.close());
    }
  });
  send({ type: 'loaded' });
} catch (error) {
  send({ type: 'failed', message: (error as Error).stack ?? String(error) });
  port.close();
}
