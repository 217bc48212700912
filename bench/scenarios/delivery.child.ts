import type { ChildHandler } from '../lib/child.js';
import { conversionBody } from '../lib/bodies.js';

export interface WorkerParams {
  file: string;
  amqpUrl: string;
  prefix: string;
  schedule: number[];
}

/** What either side answers: its CPU time (user + system) from `go` to the last delivery. */
export interface DeliveryResult {
  cpuMs: number;
}

/** The bus floor: the worker's transport (RabbitMQ consumer, guarded dispatcher) with no work between. */
export interface FloorParams extends WorkerParams {
  urls: Record<string, string>;
  /** Prefetch: what the worker has in flight at most (per-endpoint limit × endpoints). */
  inFlight: number;
}

export interface RawParams {
  urls: string[];
  messages: number;
  /** In flight at once: what the worker allows (per-endpoint limit × endpoints). */
  inFlight: number;
  connections: number;
}

export const handlers: Record<string, ChildHandler> = {
  /**
   * One delivery worker process on RabbitMQ, configured as the engine configures its own (default
   * prefetch and per-endpoint limits, endpoint refresh, the guarded keep-alive dispatcher): per
   * message it takes the endpoint from its cache, passes the gate, signs twice, POSTs, logs the
   * attempt in the read store (batched) and acks (batched).
   */
  async 'delivery.worker'(p: WorkerParams, ctl) {
    const [{ connectRabbitMq }, { SqliteReadStore }, { DeliveryWorker, guardedDispatcher }, { parseAllowedCidrs }] = await Promise.all([
      import('@partner-ledger/bus'),
      import('@partner-ledger/read-store'),
      import('@partner-ledger/webhook-runtime'),
      import('@partner-ledger/config'),
    ]);
    const bus = await connectRabbitMq(p.amqpUrl, { prefix: p.prefix, retrySchedule: p.schedule });
    const store = SqliteReadStore.open(p.file);
    const dispatcher = guardedDispatcher({ allowed: parseAllowedCidrs('127.0.0.0/8') });
    const worker = new DeliveryWorker(bus, store, { dispatcher });
    ctl.send({ type: 'ready' });
    await ctl.next('go');
    const cpu = process.cpuUsage();
    await worker.start();
    await ctl.next('stop');
    const { user, system } = process.cpuUsage(cpu);
    await worker.stop();
    await bus.close();
    await dispatcher.close();
    await store.close();
    return { cpuMs: (user + system) / 1000 };
  },

  /**
   * What any worker on this bus reaches here: the same consumer, acks and guarded dispatcher as the
   * worker, and per message nothing but the POST (no endpoint lookup, gate, signing or log). The
   * broker and the receivers share the machine's two cores with it, as with the worker.
   */
  async 'delivery.floor'(p: FloorParams, ctl) {
    const [{ connectRabbitMq }, { guardedDispatcher }, { parseAllowedCidrs }, { request }] = await Promise.all([
      import('@partner-ledger/bus'),
      import('@partner-ledger/webhook-runtime'),
      import('@partner-ledger/config'),
      import('undici'),
    ]);
    const bus = await connectRabbitMq(p.amqpUrl, { prefix: p.prefix, retrySchedule: p.schedule });
    const dispatcher = guardedDispatcher({ allowed: parseAllowedCidrs('127.0.0.0/8') });
    ctl.send({ type: 'ready' });
    await ctl.next('go');
    const cpu = process.cpuUsage();
    const consumer = bus.consume(
      async (d) => {
        const res = await request(p.urls[d.endpointId], { method: 'POST', dispatcher, headers: { 'content-type': 'application/json' }, body: d.body });
        await res.body.dump();
        return res.statusCode < 300 ? { kind: 'ack' } : { kind: 'retry', reason: `HTTP ${res.statusCode}` };
      },
      { concurrency: p.inFlight },
    );
    await consumer.ready;
    await ctl.next('stop');
    const { user, system } = process.cpuUsage(cpu);
    await consumer.close();
    await bus.close();
    await dispatcher.close();
    return { cpuMs: (user + system) / 1000 };
  },

  /** The ceiling: the same bodies POSTed with undici on a keep-alive pool of the same size. */
  async 'delivery.raw'(p: RawParams, ctl) {
    const { Agent, request } = await import('undici');
    const agent = new Agent({ connections: p.connections, keepAliveTimeout: 4_000 });
    const bodies = Array.from({ length: p.messages }, (_, i) => conversionBody(i));
    ctl.send({ type: 'ready' });
    await ctl.next('go');
    const cpu = process.cpuUsage();
    let next = 0;
    await Promise.all(
      Array.from({ length: p.inFlight }, async () => {
        while (next < p.messages) {
          const i = next++;
          const res = await request(p.urls[i % p.urls.length], { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: bodies[i] });
          await res.body.dump();
        }
      }),
    );
    const { user, system } = process.cpuUsage(cpu);
    await ctl.next('stop');
    await agent.close();
    return { cpuMs: (user + system) / 1000 };
  },
};
